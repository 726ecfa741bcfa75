// Part 6: the soak. A steady mix of work (contexts, sends answered by an agent and by the kernel
// responder, IoControl, echo, an occasional cancel) runs for `durationMs`; after each round, with
// the work settled, it samples this process's memory and the driver's counters. Pass conditions:
//   - memory is flat after the warm-up (the first quarter of the run, at least 5 s), judged on a
//     least-squares line through the samples:
//       RSS: slope under `rssSlopeLimitMiBPerMin`, or a fitted growth over the judged window under
//       `rssStepAllowanceMiB` (one step of V8's or the allocator's heap growth is not a leak; a
//       short run cannot tell a slope from such a step);
//       heap after a full GC (when the process runs with --expose-gc): slope under
//       `heapSlopeLimitMiBPerMin`, which catches what JavaScript retains long before RSS shows it;
//   - the driver is at its baseline at every sample: no allocation beyond the open handles' own,
//     no message or context held, no IRP pending beyond the agent's receives;
//   - every promise settled exactly once, and every message was called back exactly once.
// The samples go to JSON and to a self-contained SVG chart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDevice } from '../device';
import { Ledger } from './ledger';
import { Random } from './random';
import { checkDriverEnd, finish, pollUntil, type PartResult } from './part';
import { drawSoakChart } from './chart';

export interface SoakOptions {
  seed: number;
  durationMs: number;
  /** Where soak.json and soak.svg go (default: no files). */
  outDir?: string;
  /** RSS slope bound (default 2 MiB per minute). */
  rssSlopeLimitMiBPerMin?: number;
  /** Fitted RSS growth over the judged window that passes whatever the slope (default 8 MiB). */
  rssStepAllowanceMiB?: number;
  /** Slope bound of the heap after a full GC, when gc is exposed (default 1 MiB per minute). */
  heapSlopeLimitMiBPerMin?: number;
  /** Samples over the run (default 240, at least one per second of run). */
  samples?: number;
}

export interface SoakSample {
  /** Seconds since the start. */
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  operations: number;
  /** Driver allocations beyond the open handles' own. */
  driverExtraAllocations: number;
  driverIrpsPending: number;
  driverHostMessages: number;
  driverHandlesOpen: number;
}

export interface SoakLimits {
  rssSlopeLimitMiBPerMin: number;
  rssStepAllowanceMiB: number;
  heapSlopeLimitMiBPerMin: number;
  /** Whether the heap figures were taken after a full GC (only then are they judged). */
  heapAfterGc: boolean;
}

export interface SoakSummary extends SoakLimits {
  warmupS: number;
  judgedS: number;
  rssSlopeMiBPerMin: number;
  /** The fitted line's rise over the judged window. */
  rssFittedGrowthMiB: number;
  heapSlopeMiBPerMin: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssFlat: boolean;
  heapFlat: boolean;
  flat: boolean;
  driverAtBaselineEverySample: boolean;
}

export const defaultSoakLimits: SoakLimits = {
  rssSlopeLimitMiBPerMin: 2, rssStepAllowanceMiB: 8, heapSlopeLimitMiBPerMin: 1, heapAfterGc: false,
};

const MiB = 1024 * 1024;

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Judges a series of samples: exported so the rule is tested on its own figures. */
export function judgeSoak(samples: SoakSample[], durationS: number, limits: SoakLimits, agentReceives: number): SoakSummary {
  const warmupS = Math.max(5, durationS / 4);
  const after = samples.filter((s) => s.t >= warmupS);
  const ts = after.map((s) => s.t);
  const judgedS = after.length ? after[after.length - 1].t - after[0].t : 0;
  const rssSlopeMiBPerMin = slope(ts, after.map((s) => s.rssMiB)) * 60;
  const heapSlopeMiBPerMin = slope(ts, after.map((s) => s.heapUsedMiB)) * 60;
  const rssFittedGrowthMiB = (rssSlopeMiBPerMin / 60) * judgedS;
  const enough = after.length >= 3;
  const rssFlat = enough && (rssSlopeMiBPerMin < limits.rssSlopeLimitMiBPerMin || rssFittedGrowthMiB < limits.rssStepAllowanceMiB);
  const heapFlat = !limits.heapAfterGc || (enough && heapSlopeMiBPerMin < limits.heapSlopeLimitMiBPerMin);
  return {
    ...limits,
    warmupS,
    judgedS,
    rssSlopeMiBPerMin,
    rssFittedGrowthMiB,
    heapSlopeMiBPerMin,
    rssStartMiB: samples[0]?.rssMiB ?? 0,
    rssEndMiB: samples[samples.length - 1]?.rssMiB ?? 0,
    rssFlat,
    heapFlat,
    flat: rssFlat && heapFlat,
    driverAtBaselineEverySample: samples.every((s) => s.driverExtraAllocations === 0 && s.driverHostMessages === 0 &&
      s.driverIrpsPending <= agentReceives),
  };
}

export async function runSoak(options: SoakOptions): Promise<PartResult & { samples: SoakSample[]; summary: SoakSummary }> {
  const started = Date.now();
  const problems: string[] = [];
  const random = new Random(options.seed);
  const ledger = new Ledger();
  const limits: SoakLimits = {
    rssSlopeLimitMiBPerMin: options.rssSlopeLimitMiBPerMin ?? defaultSoakLimits.rssSlopeLimitMiBPerMin,
    rssStepAllowanceMiB: options.rssStepAllowanceMiB ?? defaultSoakLimits.rssStepAllowanceMiB,
    heapSlopeLimitMiBPerMin: options.heapSlopeLimitMiBPerMin ?? defaultSoakLimits.heapSlopeLimitMiBPerMin,
    heapAfterGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
  const sampleEvery = Math.max(1000, options.durationMs / (options.samples ?? 240));
  const samples: SoakSample[] = [];
  const receiveDepth = 2;
  let operations = 0;

  const device = await openDevice();
  const agentDevice = await openDevice();
  try {
    await device.resetFaults();
    await device.configureResponder({ enabled: false });
    const before = await device.stats();
    const agent = await agentDevice.attachAgent(({ input }) => ({ output: input }), { receiveDepth });
    try {
      const track = <T>(promise: Promise<T>): Promise<unknown> => {
        operations++;
        return ledger.track(promise, (e) => ((e as { name?: string })?.name === 'AbortError' ? 'aborted' : 'failed'));
      };
      const round = async (): Promise<void> => {
        const context = await device.createContext();
        try {
          const work: Promise<unknown>[] = [];
          const useResponder = random.below(4) === 0;
          if (useResponder) await device.configureResponder({ enabled: true });
          for (let i = 0; i < 32; i++) {
            const input = random.bytes(1 + random.below(512));
            const controller = random.below(16) === 0 ? new AbortController() : undefined;
            work.push(track(context.sendMessage(input, { outputSize: input.length, signal: controller?.signal })));
            controller?.abort();
          }
          work.push(track(context.miniport.echo(random.bytes(64))));
          work.push(track(device.echo(random.bytes(1 + random.below(1024)))));
          await Promise.all(work);
          if (useResponder) await device.configureResponder({ enabled: false });
        } finally {
          await context.destroy();
        }
      };
      const end = started + options.durationMs;
      let nextSample = started;
      while (Date.now() < end) {
        await round();
        if (Date.now() >= nextSample) {
          nextSample += sampleEvery;
          // Sampled with the round's work settled; the agent's receives re-arm asynchronously.
          const { value: s } = await pollUntil(() => device.stats(), (x) => x.hostMessages === 0 && x.irpsPending <= receiveDepth, 2000);
          // With --expose-gc a full collection first, so heap figures show what is retained.
          (globalThis as { gc?: () => void }).gc?.();
          const memory = process.memoryUsage();
          samples.push({
            t: (Date.now() - started) / 1000, rssMiB: memory.rss / MiB, heapUsedMiB: memory.heapUsed / MiB,
            externalMiB: memory.external / MiB, operations,
            driverExtraAllocations: s.allocationsOutstanding - s.fileContexts, driverIrpsPending: s.irpsPending,
            driverHostMessages: s.hostMessages, driverHandlesOpen: s.handlesOpen,
          });
        }
      }
    } finally {
      await agent.detach();
    }
    const summary = judgeSoak(samples, options.durationMs / 1000, limits, receiveDepth);
    if (!summary.rssFlat) {
      problems.push(`RSS is not flat: ${summary.rssSlopeMiBPerMin.toFixed(2)} MiB/min after the ${summary.warmupS.toFixed(0)} s warm-up, ` +
        `${summary.rssFittedGrowthMiB.toFixed(1)} MiB over ${summary.judgedS.toFixed(0)} s (limits ${limits.rssSlopeLimitMiBPerMin} MiB/min, ` +
        `or ${limits.rssStepAllowanceMiB} MiB in all; ${samples.length} samples)`);
    }
    if (!summary.heapFlat) {
      problems.push(`the heap after GC is not flat: ${summary.heapSlopeMiBPerMin.toFixed(3)} MiB/min after the warm-up ` +
        `(limit ${limits.heapSlopeLimitMiBPerMin} MiB/min)`);
    }
    if (!summary.driverAtBaselineEverySample) problems.push('the driver was not at its baseline at every sample (see the chart)');
    if (ledger.unsettled !== 0) problems.push(`${ledger.unsettled} promises never settled`);
    if (ledger.failures.length) problems.push(`unexpected failures: ${ledger.failures.join('; ')}`);
    await agentDevice.close();
    const endCheck = await checkDriverEnd(device, before, problems);
    const lost = ledger.unsettled + ledger.doubleSettled + ledger.outcomes.failed + endCheck.lost +
      samples.reduce((sum, s) => sum + Math.max(0, s.driverExtraAllocations), 0);
    const result = finish('soak', options.seed, started, operations, lost, problems, {
      durationS: Math.round(options.durationMs / 1000), operations, samples: samples.length,
      rssStartMiB: +summary.rssStartMiB.toFixed(1), rssEndMiB: +summary.rssEndMiB.toFixed(1),
      rssFittedGrowthMiB: +summary.rssFittedGrowthMiB.toFixed(2), rssSlopeMiBPerMin: +summary.rssSlopeMiBPerMin.toFixed(3),
      rssSlopeLimitMiBPerMin: limits.rssSlopeLimitMiBPerMin, rssStepAllowanceMiB: limits.rssStepAllowanceMiB,
      heapSlopeMiBPerMin: summary.heapAfterGc ? +summary.heapSlopeMiBPerMin.toFixed(3) : 'not judged (no --expose-gc)',
      flat: summary.flat, messagesCalledBack: endCheck.stats.callbacksRun - before.callbacksRun,
    });
    if (options.outDir) {
      fs.mkdirSync(options.outDir, { recursive: true });
      fs.writeFileSync(path.join(options.outDir, 'stress-soak.json'), JSON.stringify({ seed: options.seed, summary, samples }, null, 1));
      fs.writeFileSync(path.join(options.outDir, 'stress-soak.svg'), drawSoakChart(samples, summary, options.seed));
      result.figures.chart = path.join(options.outDir, 'stress-soak.svg');
    }
    return { ...result, samples, summary };
  } finally {
    await agentDevice.close();
    await device.close();
  }
}
