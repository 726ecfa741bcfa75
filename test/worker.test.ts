// The addon in worker_threads: each environment has its own engine, torn down with the worker.
// Valid in both lanes.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { openDevice, type MiracastDevice } from '../dist/index.js';
import { fixture, waitFor, useDevice } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

function startWorker(data: object): { worker: Worker; message: Promise<any>; exit: Promise<number> } {
  const worker = new Worker(fixture('worker.mjs'), { workerData: data });
  const message = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const exit = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { worker, message, exit };
}

describe('worker_threads', () => {
  it('loads, uses and unloads the addon in a worker', async () => {
    const { message, exit } = startWorker({ mode: 'echo', id: 1, count: 20 });
    const result = await message;
    expect(result.results).toEqual(Array.from({ length: 20 }, (_, i) => `w1-${i}`));
    expect(result.engine).toMatchObject({ started: true, refs: 0 });
    expect(await exit).toBe(0);
  });

  it('several workers use the device at once', async () => {
    const workers = [1, 2, 3].map((id) => startWorker({ mode: 'echo', id, count: 30 }));
    const results = await Promise.all(workers.map((w) => w.message));
    results.forEach((r, i) => expect(r.results[29]).toBe(`w${i + 1}-29`));
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0, 0]);
  });

  it('terminating a worker with requests in flight cancels them and leaves nothing behind', async () => {
    const { worker, message, exit } = startWorker({ mode: 'pending' });
    try {
      const state = await message;
      expect(state.pending).toBe(2);   // the agent's two receives
      expect((await device.stats()).agentAttached).toBe(1);
    } finally {
      await worker.terminate();
      await exit;
    }
    await waitFor(() => device.stats(), (s) => s.agentAttached === 0 && s.irpsPending === 0, 10_000, 'the worker\'s handle to go');
  });
});
