// Part 4: the worker-termination storm. Workers, a few at a time, each load the addon in their own
// environment, leave `requests` sends in flight (held in the kernel) and are terminated. The
// addon's environment teardown must cancel them and wait for their completions, promptly (a
// teardown that sits out the addon's drain budget instead has stopped cancelling: the system
// would still cancel a dead thread's IRPs, hiding it); each round must come back to the holder's
// baseline, and this thread's own engine must be untouched.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { engineState } from '../contract';
import { openDevice } from '../device';
import { Random } from './random';
import { atBaseline, openHolder } from './holder';
import { checkDriverEnd, finish, leftovers, pollUntil, type PartResult } from './part';

export interface WorkerStormOptions {
  seed: number;
  workers: number;
  requests: number;
  /** Workers alive at once (default 4). */
  parallel?: number;
  /** Longest a terminate() may take to end its worker (default 4500 ms: under the addon's 5 s drain budget). */
  terminateLimitMs?: number;
}

export async function runWorkerStorm(options: WorkerStormOptions): Promise<PartResult> {
  const started = Date.now();
  const problems: string[] = [];
  const random = new Random(options.seed);
  const parallel = Math.max(1, Math.min(options.parallel ?? 4, 16));
  const holder = await openHolder(parallel);
  const before = holder.baseline;
  const engineBefore = engineState().inFlight;
  let terminated = 0;
  let heldAtTerminate = 0;
  let slowestTerminateMs = 0;
  let lost = 0;
  const terminateLimitMs = options.terminateLimitMs ?? 4500;
  try {
    for (let first = 0; first < options.workers && problems.length === 0; first += parallel) {
      const count = Math.min(parallel, options.workers - first);
      const workers = Array.from({ length: count }, () =>
        new Worker(path.join(__dirname, 'worker-child.js'), { workerData: { requests: options.requests } }));
      const exits = workers.map((w) => new Promise<number>((resolve) => w.once('exit', resolve)));
      try {
        const reports = await Promise.all(workers.map((w) => new Promise<{ ready?: boolean; error?: string }>((resolve) => {
          const timer = setTimeout(() => resolve({ error: 'not ready within 60 s' }), 60_000);
          w.once('message', (m) => { clearTimeout(timer); resolve(m as { ready?: boolean }); });
          w.once('error', (e) => { clearTimeout(timer); resolve({ error: String(e) }); });
        })));
        const failed = reports.find((r) => !r.ready);
        if (failed) {
          problems.push(`a storm worker failed: ${failed.error}`);
          break;
        }
        const want = count * options.requests;
        const held = await pollUntil(() => holder.device.stats(), (s) => s.messagesHeld - before.messagesHeld >= want, 30_000);
        heldAtTerminate += held.value.messagesHeld - before.messagesHeld;
        if (!held.met) problems.push(`only ${held.value.messagesHeld - before.messagesHeld} of ${want} requests were in flight before termination`);
        for (const w of workers) {
          if (random.below(2)) await new Promise((resolve) => setTimeout(resolve, random.below(20)));
          const asked = Date.now();
          void w.terminate().then(() => { slowestTerminateMs = Math.max(slowestTerminateMs, Date.now() - asked); });
          terminated++;
        }
      } finally {
        for (const w of workers) void w.terminate();
        await Promise.all(exits);
      }
      const back = await pollUntil(() => holder.device.stats(), (s) => atBaseline(s, before), 30_000);
      if (!back.met) {
        problems.push(`after terminating workers ${first}-${first + count - 1}: ${leftovers(back.value)}`);
        lost += Math.max(0, back.value.allocationsOutstanding - back.value.fileContexts) + back.value.hostMessages;
      }
    }
    if (holder.handlerCalls() !== 0) problems.push(`the holding agent was handed ${holder.handlerCalls()} messages`);
    if (slowestTerminateMs > terminateLimitMs) {
      problems.push(`a terminated worker took ${slowestTerminateMs} ms to end (limit ${terminateLimitMs} ms): its teardown waited instead of cancelling`);
    }
    const engineDrift = engineState().inFlight - engineBefore;
    if (engineDrift !== 0) problems.push(`this thread's engine has ${engineDrift} more requests in flight than before the storm`);
  } finally {
    await holder.close(problems);
  }
  const device = await openDevice();
  try {
    const end = await checkDriverEnd(device, before, problems);
    lost += end.lost;
    if (terminated < options.workers && problems.length === 0) problems.push(`only ${terminated} of ${options.workers} workers were terminated`);
    return finish('worker', options.seed, started, terminated, lost, problems, {
      workersTerminated: terminated, requestsPerWorker: options.requests, inFlightAtTerminate: heldAtTerminate, slowestTerminateMs,
      messagesCalledBack: end.stats.callbacksRun - before.callbacksRun,
      cancelledInKernel: end.stats.irpsCancelledTotal - before.irpsCancelledTotal, parallel,
    });
  } finally {
    await device.close();
  }
}
