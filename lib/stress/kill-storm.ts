// Part 3: the process-kill storm. Processes, a few at a time, each leave `requests` sends in flight
// (held in the kernel) and are killed (TerminateProcess). Under Wine a killed process's IRPs are
// cancelled at process exit; on Windows at handle rundown. Each round must come back to the
// holder's baseline: every message called back exactly once, no context, IRP or allocation left.
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { Random } from './random';
import { openHolder } from './holder';
import { finishWaves, runWaves, type ChildReport, type StormChild, type WaveOptions } from './waves';
import type { PartResult } from './part';

export interface KillStormOptions {
  seed: number;
  processes: number;
  requests: number;
  /** Processes alive at once (default 4). */
  parallel?: number;
}

function startProcess(requests: number): StormChild {
  const child = fork(path.join(__dirname, 'kill-child.js'), [String(requests)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<ChildReport>((resolve) => {
    const timer = setTimeout(() => resolve({ error: 'not ready within 120 s' }), 120_000);
    child.once('message', (m) => { clearTimeout(timer); resolve(m as ChildReport); });
    child.once('exit', (code) => { clearTimeout(timer); resolve({ error: `exited (${code}) before it was ready` }); });
  });
  const end = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { ready, end, gone };
}

export async function runKillStorm(options: KillStormOptions): Promise<PartResult> {
  const started = Date.now();
  const problems: string[] = [];
  const waves: WaveOptions = {
    children: options.processes, requests: options.requests, parallel: Math.max(1, Math.min(options.parallel ?? 4, 16)),
    random: new Random(options.seed), noun: 'processes', start: () => startProcess(options.requests),
  };
  const holder = await openHolder(waves.parallel);
  const totals = await runWaves(holder, waves, problems);
  return await finishWaves('kill', options.seed, started, holder, waves, totals, problems, {
    processesKilled: totals.ended, requestsPerProcess: options.requests, inFlightAtKill: totals.heldAtEnd,
  });
}
