// The loop the kill and worker storms share: children (processes or workers) started a few at a
// time, each leaving `requests` sends held in the kernel; once all of a wave are in flight, they
// are ended (killed, terminated) in a seeded order, some at once, some after a short pause; then
// the driver must come back to the holder's baseline before the next wave.
import { openDevice } from '../device';
import type { Random } from './random';
import { atBaseline, type Holder } from './holder';
import { checkDriverEnd, finish, leftovers, pollUntil, type PartName, type PartResult } from './part';

export interface ChildReport {
  ready?: boolean;
  error?: string;
}

/** One child, as the storm sees it. */
export interface StormChild {
  /** Resolves once the child's requests are in flight (or with why it failed). */
  ready: Promise<ChildReport>;
  /** Ends it with its requests in flight. */
  end(): void;
  /** Resolves once it is gone. */
  gone: Promise<unknown>;
}

export interface WaveOptions {
  children: number;
  requests: number;
  parallel: number;
  random: Random;
  /** 'processes', 'workers': for the problem lines. */
  noun: string;
  start(): StormChild;
  /**
   * Longest the driver may wait, from the first end of a wave, for the first cancel of its
   * requests (default: no limit, the figure only). Load slows every cancel alike, but it does not
   * add a fixed wait: a teardown that waits out a budget before anything is cancelled shows here.
   */
  firstCancelLimitMs?: number;
}

export interface WaveTotals {
  ended: number;
  heldAtEnd: number;
  lost: number;
  /** The longest, over the waves, from the first end to the driver's first cancel. */
  slowestFirstCancelMs: number;
}

/** Runs the waves; never throws (what goes wrong is a problem line), so the holder always gets closed. */
export async function runWaves(holder: Holder, options: WaveOptions, problems: string[]): Promise<WaveTotals> {
  const totals: WaveTotals = { ended: 0, heldAtEnd: 0, lost: 0, slowestFirstCancelMs: 0 };
  try {
    await waves(holder, options, problems, totals);
  } catch (error) {
    problems.push(`the storm stopped: ${String(error)}`);
  }
  return totals;
}

async function waves(holder: Holder, options: WaveOptions, problems: string[], totals: WaveTotals): Promise<void> {
  const before = holder.baseline;
  for (let first = 0; first < options.children && problems.length === 0; first += options.parallel) {
    const wave = Array.from({ length: Math.min(options.parallel, options.children - first) }, () => options.start());
    try {
      const reports = await Promise.all(wave.map((c) => c.ready));
      const failed = reports.find((r) => !r.ready);
      if (failed) {
        problems.push(`one of the storm's ${options.noun} failed: ${failed.error}`);
        break;
      }
      // All of them in flight in the kernel before the end: that is what the storm is about.
      const want = wave.length * options.requests;
      const held = await pollUntil(() => holder.device.stats(), (s) => s.messagesHeld - before.messagesHeld >= want, 30_000);
      totals.heldAtEnd += held.value.messagesHeld - before.messagesHeld;
      if (!held.met) problems.push(`only ${held.value.messagesHeld - before.messagesHeld} of ${want} requests were in flight before the end`);
      const order = wave.map((c, i) => ({ c, key: options.random.next() + i })).sort((a, b) => a.key - b.key);
      const cancelledBefore = held.value.irpsCancelledTotal;
      let firstEnd: number | undefined;
      for (const { c } of order) {
        if (options.random.below(2)) await new Promise((resolve) => setTimeout(resolve, options.random.below(20)));
        firstEnd ??= Date.now();
        c.end();
        totals.ended++;
      }
      const cancel = await pollUntil(() => holder.device.stats(), (s) => s.irpsCancelledTotal > cancelledBefore, 30_000);
      const firstCancelMs = Date.now() - firstEnd!;
      totals.slowestFirstCancelMs = Math.max(totals.slowestFirstCancelMs, firstCancelMs);
      if (!cancel.met) problems.push(`nothing of ${options.noun} ${first}-${first + wave.length - 1} was cancelled within 30 s of their end`);
      else if (options.firstCancelLimitMs !== undefined && firstCancelMs > options.firstCancelLimitMs) {
        problems.push(`the first request of ${options.noun} ${first}-${first + wave.length - 1} was cancelled ${firstCancelMs} ms after ` +
          `their end (limit ${options.firstCancelLimitMs} ms): their teardown waited before cancelling`);
      }
    } finally {
      for (const c of wave) c.end();
      await Promise.all(wave.map((c) => c.gone));
    }
    const back = await pollUntil(() => holder.device.stats(), (s) => atBaseline(s, before), 30_000);
    if (!back.met) {
      problems.push(`after ending ${options.noun} ${first}-${first + wave.length - 1}: ${leftovers(back.value)}`);
      totals.lost += Math.max(0, back.value.allocationsOutstanding - back.value.fileContexts) + back.value.hostMessages;
    }
  }
  if (holder.handlerCalls() !== 0) problems.push(`the holding agent was handed ${holder.handlerCalls()} messages`);
}

/** Closes the holder, checks the driver's end against the holder's baseline, and makes the result. */
export async function finishWaves(part: PartName, seed: number, started: number, holder: Holder, options: WaveOptions,
                                  totals: WaveTotals, problems: string[], figures: PartResult['figures']): Promise<PartResult> {
  const before = holder.baseline;
  await holder.close(problems);
  const device = await openDevice();
  try {
    const end = await checkDriverEnd(device, before, problems);
    if (totals.ended < options.children && problems.length === 0) {
      problems.push(`only ${totals.ended} of ${options.children} ${options.noun} were ended`);
    }
    return finish(part, seed, started, totals.ended, totals.lost + end.lost, problems, {
      ...figures,
      slowestFirstCancelMs: totals.slowestFirstCancelMs,
      messagesCalledBack: end.stats.callbacksRun - before.callbacksRun,
      cancelledInKernel: end.stats.irpsCancelledTotal - before.irpsCancelledTotal,
      parallel: options.parallel,
    });
  } finally {
    await device.close();
  }
}
