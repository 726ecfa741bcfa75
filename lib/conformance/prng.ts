// Seeded randomness for checks and the fuzzer: the same seed gives the same cases, on any
// machine, so a finding's seed replays it. mulberry32 for the stream, FNV-1a to derive a rule's
// own seed from the run's seed and the rule id (a subset of rules replays like the full run).
import type { Rng } from './types';

/** FNV-1a over a string, 32-bit. */
function fnv1a(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A rule's seed: depends only on the run's seed and the rule id. */
export function deriveSeed(runSeed: number, ruleId: string): number {
  return fnv1a(ruleId, (runSeed ^ 0x9e3779b9) >>> 0);
}

/** A fresh run seed. */
export function randomSeed(): number {
  return (Math.random() * 0x100000000) >>> 0;
}

/** Parses a seed given as decimal or 0x-hex; RangeError when it is not a 32-bit unsigned integer. */
export function parseSeed(text: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 0xFFFFFFFF (decimal or 0x-hex), not '${text}'`);
  }
  return value;
}

export function formatSeed(seed: number): string {
  return `0x${(seed >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const int = (min: number, max: number): number => {
    if (!(Number.isInteger(min) && Number.isInteger(max) && min <= max)) {
      throw new RangeError(`rng.int: bad range [${min}, ${max}]`);
    }
    const span = max - min + 1;
    if (span <= 0x100000000) return min + Math.floor((u32() / 0x100000000) * span);
    return min + Math.floor(((u32() * 0x100000000 + u32()) / 2 ** 64) * span);
  };
  return {
    u32,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('rng.pick: no items');
      return items[int(0, items.length - 1)];
    },
    bytes: (length: number): Buffer => {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i += 4) {
        const word = u32();
        for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
      }
      return out;
    },
    chance: (p: number): boolean => u32() / 0x100000000 < p,
  };
}
