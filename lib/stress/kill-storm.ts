// Part 3: the process-kill storm. Processes, a few at a time, each leave `requests` sends in flight
// (held in the kernel) and are killed (TerminateProcess). Under Wine a killed process's IRPs are
// cancelled at process exit; on Windows at handle rundown. Each round must come back to the
// holder's baseline: every message called back exactly once, no context, IRP or allocation left.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { openDevice } from '../device';
import { Random } from './random';
import { atBaseline, openHolder } from './holder';
import { checkDriverEnd, finish, leftovers, pollUntil, type PartResult } from './part';

export interface KillStormOptions {
  seed: number;
  processes: number;
  requests: number;
  /** Processes alive at once (default 4). */
  parallel?: number;
}

interface Child {
  process: ChildProcess;
  ready: Promise<{ ready?: boolean; inFlight?: number; error?: string }>;
  exited: Promise<void>;
}

function start(requests: number): Child {
  const child = fork(path.join(__dirname, 'kill-child.js'), [String(requests)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = new Promise<{ ready?: boolean; inFlight?: number; error?: string }>((resolve) => {
    child.once('message', (m) => resolve(m as { ready?: boolean }));
    child.once('exit', (code) => resolve({ error: `exited (${code}) before it was ready` }));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { process: child, ready, exited };
}

const withTimeout = <T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms); })])
    .finally(() => clearTimeout(timer));
};

export async function runKillStorm(options: KillStormOptions): Promise<PartResult> {
  const started = Date.now();
  const problems: string[] = [];
  const random = new Random(options.seed);
  const parallel = Math.max(1, Math.min(options.parallel ?? 4, 16));
  const holder = await openHolder(parallel);
  const before = holder.baseline;
  let killed = 0;
  let heldAtKill = 0;
  let lost = 0;
  try {
    for (let first = 0; first < options.processes && problems.length === 0; first += parallel) {
      const children = Array.from({ length: Math.min(parallel, options.processes - first) }, () => start(options.requests));
      try {
        const reports = await Promise.all(children.map((c) => withTimeout(c.ready, 120_000, { error: 'not ready within 120 s' })));
        const failed = reports.find((r) => !r.ready);
        if (failed) {
          problems.push(`a storm process failed: ${failed.error}`);
          break;
        }
        // All of them in flight in the kernel before the kill: that is what the storm is about.
        const want = children.length * options.requests;
        const held = await pollUntil(() => holder.device.stats(), (s) => s.messagesHeld - before.messagesHeld >= want, 30_000);
        heldAtKill += held.value.messagesHeld - before.messagesHeld;
        if (!held.met) problems.push(`only ${held.value.messagesHeld - before.messagesHeld} of ${want} requests were in flight before the kill`);
        // Killed in a seeded order, some at once, some after a short pause.
        const order = children.map((c, i) => ({ c, key: random.next() + i }));
        order.sort((a, b) => a.key - b.key);
        for (const { c } of order) {
          if (random.below(2)) await new Promise((resolve) => setTimeout(resolve, random.below(20)));
          c.process.kill('SIGKILL');
          killed++;
        }
      } finally {
        for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
        await withTimeout(Promise.all(children.map((c) => c.exited)), 30_000, undefined);
      }
      const back = await pollUntil(() => holder.device.stats(), (s) => atBaseline(s, before), 30_000);
      if (!back.met) {
        problems.push(`after killing processes ${first}-${first + children.length - 1}: ${leftovers(back.value)}`);
        lost += Math.max(0, back.value.allocationsOutstanding - back.value.fileContexts) + back.value.hostMessages;
      }
    }
    if (holder.handlerCalls() !== 0) problems.push(`the holding agent was handed ${holder.handlerCalls()} messages`);
  } finally {
    await holder.close(problems);
  }
  const device = await openDevice();
  try {
    const end = await checkDriverEnd(device, before, problems);
    lost += end.lost;
    if (killed < options.processes && problems.length === 0) problems.push(`only ${killed} of ${options.processes} processes were killed`);
    return finish('kill', options.seed, started, killed, lost, problems, {
      processesKilled: killed, requestsPerProcess: options.requests, inFlightAtKill: heldAtKill,
      messagesCalledBack: end.stats.callbacksRun - before.callbacksRun,
      cancelledInKernel: end.stats.irpsCancelledTotal - before.irpsCancelledTotal, parallel,
    });
  } finally {
    await device.close();
  }
}
