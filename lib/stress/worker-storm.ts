// Part 4: the worker-termination storm. Workers, a few at a time, each load the addon in their own
// environment, leave `requests` sends in flight (held in the kernel) and are terminated. The
// addon's environment teardown must cancel them at once and wait for their completions (one that
// sits out the addon's 5 s drain budget first has stopped cancelling: the system would still
// cancel a dead thread's IRPs at its exit, hiding it, so the storm times the first cancel); each
// round must come back to the holder's baseline, and this thread's own engine must be untouched.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { engineState } from '../contract';
import { Random } from './random';
import { openHolder } from './holder';
import { finishWaves, runWaves, type ChildReport, type StormChild, type WaveOptions } from './waves';
import type { PartResult } from './part';

export interface WorkerStormOptions {
  seed: number;
  workers: number;
  requests: number;
  /** Workers alive at once (default 4). */
  parallel?: number;
  /** Longest from a wave's first terminate() to the driver's first cancel (default 4500 ms: a teardown that
      waits out the addon's 5 s drain budget first can never get under it; a loaded machine's cancels do). */
  firstCancelLimitMs?: number;
}

export async function runWorkerStorm(options: WorkerStormOptions): Promise<PartResult> {
  const started = Date.now();
  const problems: string[] = [];
  let slowestTerminateMs = 0;
  const startWorker = (): StormChild => {
    const worker = new Worker(path.join(__dirname, 'worker-child.js'), { workerData: { requests: options.requests } });
    const gone = new Promise<number>((resolve) => worker.once('exit', resolve));
    const ready = new Promise<ChildReport>((resolve) => {
      const timer = setTimeout(() => resolve({ error: 'not ready within 60 s' }), 60_000);
      worker.once('message', (m) => { clearTimeout(timer); resolve(m as ChildReport); });
      worker.once('error', (e) => { clearTimeout(timer); resolve({ error: String(e) }); });
    });
    let asked: number | undefined;
    const end = () => {
      if (asked !== undefined) return;
      asked = Date.now();
      void worker.terminate().then(() => { slowestTerminateMs = Math.max(slowestTerminateMs, Date.now() - asked!); });
    };
    return { ready, end, gone };
  };
  const waves: WaveOptions = {
    children: options.workers, requests: options.requests, parallel: Math.max(1, Math.min(options.parallel ?? 4, 16)),
    random: new Random(options.seed), noun: 'workers', start: startWorker,
    firstCancelLimitMs: options.firstCancelLimitMs ?? 4500,
  };
  const holder = await openHolder(waves.parallel);
  const engineBefore = engineState().inFlight;
  const totals = await runWaves(holder, waves, problems);
  const engineDrift = engineState().inFlight - engineBefore;
  if (engineDrift !== 0) problems.push(`this thread's engine has ${engineDrift} more requests in flight than before the storm`);
  return await finishWaves('worker', options.seed, started, holder, waves, totals, problems, {
    workersTerminated: totals.ended, requestsPerWorker: options.requests, inFlightAtTerminate: totals.heldAtEnd, slowestTerminateMs,
  });
}
