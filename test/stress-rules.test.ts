// The stress campaign's own rules, checked on figures made up for the purpose: the soak's
// flatness judgement, the end-of-part driver check, seeds, and the command line. The storms
// themselves run in stress-slice.test.ts. The driver check runs against the real driver (both lanes).
import { describe, expect, it } from 'vitest';
import { openDevice } from '../dist/index.js';
import { judgeSoak, partSeed, type SoakSample } from '../dist/stress/index.js';
import { checkDriverEnd } from '../dist/stress/part.js';
import { parseStressArgs, parseDuration, run } from '../dist/cli/stress.js';
import { expectIdle } from './helpers';

function series(durationS: number, rss: (t: number) => number, extra: (t: number) => number = () => 0): SoakSample[] {
  return Array.from({ length: durationS + 1 }, (_, t) => ({
    t, rssMiB: rss(t), heapUsedMiB: 10, externalMiB: 1, operations: t * 100,
    driverExtraAllocations: extra(t), driverIrpsPending: 2, driverHostMessages: 0, driverHandlesOpen: 2,
  }));
}

describe('soak judgement', () => {
  it('a flat series with noise passes; the slope is measured after the warm-up only', () => {
    // A big rise during the warm-up (first quarter), then flat with +-1 MiB of noise.
    const s = judgeSoak(series(120, (t) => (t < 30 ? 40 + t : 70 + ((t * 7919) % 3) - 1)), 120, 2, 2);
    expect(s.warmupS).toBe(30);
    expect(s.flat).toBe(true);
    expect(Math.abs(s.rssSlopeMiBPerMin)).toBeLessThan(0.5);
  });

  it('a steady leak just over the bound fails; just under passes', () => {
    expect(judgeSoak(series(120, (t) => 50 + (2.2 / 60) * t), 120, 2, 2).flat).toBe(false);
    expect(judgeSoak(series(120, (t) => 50 + (1.8 / 60) * t), 120, 2, 2).flat).toBe(true);
  });

  it('one sample with an allocation beyond the handles fails the driver condition', () => {
    const s = judgeSoak(series(60, () => 50, (t) => (t === 40 ? 1 : 0)), 60, 2, 2);
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
      const code = await run(args, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
      expect(code).toBe(2);
      expect(err).toMatch(message);
      expect(out).toBe('');
    });
  }
});
