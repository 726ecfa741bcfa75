// The stress campaign's own rules, checked on figures made up for the purpose: the soak's
// flatness judgement, the end-of-part driver check, seeds, and the command line. The storms
// themselves run in stress-slice.test.ts. The driver check runs against the real driver (both lanes).
import { describe, expect, it } from 'vitest';
import { openDevice } from '../dist/index.js';
import { defaultSoakLimits, judgeSoak, partSeed, runStress, type SoakSample } from '../dist/stress/index.js';
import { checkDriverEnd } from '../dist/stress/part.js';
import { parseStressArgs, parseDuration } from '../dist/cli/stress.js';
import { runCli } from '../dist/cli/index.js';
import { expectIdle } from './helpers';

function series(durationS: number, rss: (t: number) => number, options: { heap?: (t: number) => number; extra?: (t: number) => number } = {}): SoakSample[] {
  return Array.from({ length: durationS + 1 }, (_, t) => ({
    t, rssMiB: rss(t), heapUsedMiB: options.heap?.(t) ?? 10, externalMiB: 1, operations: t * 100,
    driverExtraAllocations: options.extra?.(t) ?? 0, driverIrpsPending: 2, driverHostMessages: 0, driverHandlesOpen: 2,
  }));
}

const limits = { ...defaultSoakLimits, heapAfterGc: true };

describe('soak judgement', () => {
  it('states its bounds: 2 MiB/min of RSS or 8 MiB in all, 1 MiB/min of heap after GC', () => {
    expect(defaultSoakLimits).toEqual({ rssSlopeLimitMiBPerMin: 2, rssStepAllowanceMiB: 8, heapSlopeLimitMiBPerMin: 1, heapAfterGc: false });
  });

  it('a flat series with noise passes; the slope is measured after the warm-up only', () => {
    // A big rise during the warm-up (first quarter), then flat with +-1 MiB of noise.
    const s = judgeSoak(series(600, (t) => (t < 150 ? 40 + t / 5 : 70 + ((t * 7919) % 3) - 1)), 600, limits, 2);
    expect(s.warmupS).toBe(150);
    expect(s.flat).toBe(true);
    expect(Math.abs(s.rssSlopeMiBPerMin)).toBeLessThan(0.5);
  });

  it('a steady RSS leak just over 2 MiB/min fails a long soak; just under passes', () => {
    const over = judgeSoak(series(600, (t) => 50 + (2.2 / 60) * t), 600, limits, 2);
    expect(over.rssFlat).toBe(false);
    expect(over.flat).toBe(false);
    expect(judgeSoak(series(600, (t) => 50 + (1.8 / 60) * t), 600, limits, 2).flat).toBe(true);
  });

  it('a short run passes one allocator step of 5 MiB and fails a steady 9 MiB rise', () => {
    expect(judgeSoak(series(20, (t) => (t < 12 ? 100 : 105)), 20, limits, 2).rssFlat).toBe(true);
    expect(judgeSoak(series(20, (t) => 100 + (t >= 5 ? (t - 5) * 0.6 : 0)), 20, limits, 2).rssFlat).toBe(false);
  });

  it('a heap growing 1.5 MiB/min after GC fails when the heap was measured after GC, and only then', () => {
    const heap = (t: number): number => 5 + (1.5 / 60) * t;
    expect(judgeSoak(series(120, () => 100, { heap }), 120, limits, 2).heapFlat).toBe(false);
    expect(judgeSoak(series(120, () => 100, { heap }), 120, { ...limits, heapAfterGc: false }, 2).heapFlat).toBe(true);
  });

  it('one sample with an allocation beyond the handles fails the driver condition', () => {
    const s = judgeSoak(series(60, () => 50, { extra: (t) => (t === 40 ? 1 : 0) }), 60, limits, 2);
    expect(s.flat).toBe(true);
    expect(s.driverAtBaselineEverySample).toBe(false);
  });
});

describe('end-of-part driver check', () => {
  it('a context left alive is reported as not back at the baseline', async () => {
    const device = await openDevice();
    try {
      const before = await device.stats();
      const context = await device.createContext();
      const problems: string[] = [];
      const { lost } = await checkDriverEnd(device, before, problems, 300);
      expect(problems.join('\n')).toMatch(/not back at its baseline.*host contexts 1/);
      expect(lost).toBeGreaterThan(0);
      await context.destroy();
      const clean: string[] = [];
      expect((await checkDriverEnd(device, before, clean, 5000)).lost).toBe(0);
      expect(clean).toEqual([]);
    } finally {
      await device.close();
    }
    const check = await openDevice();
    try { await expectIdle(check); } finally { await check.close(); }
  });
});

describe('seeds and the command line', () => {
  it('a seed gives each part its own replayable seed', () => {
    expect(partSeed(42, 'fuzz')).toBe(partSeed(42, 'fuzz'));
    expect(partSeed(42, 'fuzz')).not.toBe(partSeed(42, 'abort'));
    expect(partSeed(42, 'fuzz')).not.toBe(partSeed(43, 'fuzz'));
  });

  it('parses the documented options', () => {
    expect(parseStressArgs(['--seed', '7', '--duration', '10m', '--only', 'fuzz,abort'])).toEqual({
      seed: 7, soakMs: 600_000, only: ['fuzz', 'abort'],
    });
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseStressArgs(['--slice', '--requests', '10'])).toEqual({ scale: 'slice', killRequests: 10, workerRequests: 10 });
  });

  const bad: [string, string[], RegExp][] = [
    ['an unknown part', ['--only', 'fuzz,bogus'], /unknown part bogus/],
    ['a seed that is not a number', ['--seed', 'x'], /--seed needs a whole number/],
    ['a negative count', ['--sends', '-1'], /--sends needs a whole number/],
    ['a duration without a number', ['--duration', 'soon'], /not a duration/],
    ['a duration under a second', ['--duration', '10ms'], /between 1s and 24h/],
    ['a flag without its value', ['--stops'], /--stops needs a value/],
    ['an unknown flag', ['--fast'], /unknown option: --fast/],
  ];
  for (const [what, args, message] of bad) {
    it(`refuses ${what} with a usage error and exit code 2`, async () => {
      let err = '';
      let out = '';
      const code = await runCli(['stress', ...args], { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: {} });
      expect(code).toBe(2);
      expect(err).toMatch(message);
      expect(out).toBe('');
    });
  }

  const badOptions: [string, object, new (...args: never[]) => Error, RegExp][] = [
    ['a seed past 32 bits', { seed: 2 ** 32 }, RangeError, /options.seed must be between 0 and 4294967295/],
    ['a fractional count', { abortSends: 1.5 }, RangeError, /options.abortSends must be an integer/],
    ['a count given as a string', { fuzzIoctls: '10' }, TypeError, /options.fuzzIoctls must be a number/],
    ['no IOCTLs at all', { fuzzIoctls: 0 }, RangeError, /options.fuzzIoctls must be between 1/],
    ['a soak under a second', { soakMs: 10 }, RangeError, /options.soakMs must be between 1000/],
    ['an unknown part', { only: ['fuzz', 'everything'] }, RangeError, /unknown stress part: everything/],
    ['parts not in an array', { only: 'fuzz' }, TypeError, /options.only must be an array/],
    ['an unknown scale', { scale: 'huge' }, RangeError, /options.scale must be 'full' or 'slice'/],
  ];
  for (const [what, options, type, message] of badOptions) {
    it(`runStress refuses ${what} before anything runs`, async () => {
      const error = await runStress(options as never).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(String(error)).toMatch(message);
    });
  }
});
