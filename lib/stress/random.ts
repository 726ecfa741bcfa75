// The campaign's seeded generator: one seed replays every part's choices (the order in which the
// kernel and the threads interleave stays the machine's).

/** A mulberry32 stream: fast, 32-bit state, good enough to pick cases; not for cryptography. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uint32. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    return bound <= 0 ? 0 : this.next() % bound;
  }

  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i += 4) {
      const word = this.next();
      for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (word >>> (8 * k)) & 0xff;
    }
    return out;
  }
}

/** The seed of one part, derived from the campaign's seed and the part's name (FNV-1a mixed). */
export function partSeed(seed: number, part: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of part) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return new Random(h).next();
}

/** A fresh campaign seed when none was given (printed so the run can be replayed). */
export function freshSeed(): number {
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(Math.random() * 0x100000000)) >>> 0;
}
