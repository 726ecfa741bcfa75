// Lifetimes: close and disposal with requests in flight, process exit without process.exit(),
// the event loop kept alive only while requests are in flight, buffers dropped and collected
// while the kernel works, no threadpool for pending I/O, bounded work per event-loop turn.
// Valid in both lanes.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineState, openDevice, type MiracastDevice } from '../dist/index.js';
import { fixture, waitFor, useDevice } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

function runNode(script: string, args: string[] = []): Promise<{ code: number | null; stdout: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { timeout: 60_000 }, (error, stdout) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: String(stdout), timedOut: Boolean(error?.killed) });
    });
  });
}

describe('close with requests in flight', () => {
  it('cancels them in the kernel: they reject with AbortError, then the handle closes', async () => {
    const doomed = await openDevice();
    const context = await doomed.createContext();
    await device.configureResponder({ enabled: true, delayMs: 5000 });
    const agentHandle = await openDevice();
    const sends = [0, 1, 2].map((i) => context.sendMessage(Buffer.from([i]), { outputSize: 1 }));
    const settled = Promise.allSettled(sends);   // handled at once: close may reject them in separate turns
    await waitFor(() => device.stats(), (s) => s.irpsPending >= 3, 5000, 'three pending sends');
    expect(doomed.inFlight).toBe(3);
    await doomed.close();
    const outcomes = await settled;
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
    }
    expect(doomed.inFlight).toBe(0);
    await agentHandle.close();
  });

  it('await using closes a device whose requests are still pending', async () => {
    await device.configureResponder({ enabled: true, delayMs: 5000 });
    let pending: Promise<unknown> | undefined;
    {
      await using scoped = await openDevice();
      const context = await scoped.createContext();
      pending = context.sendMessage(Buffer.from('x')).catch((e: unknown) => e);
    }
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });
});

describe('the event loop', () => {
  it('is kept alive only while requests are in flight', async () => {
    const context = await device.createContext();
    await device.configureResponder({ enabled: true, delayMs: 300 });
    expect(engineState().refs).toBe(0);
    const pending = context.sendMessage(Buffer.from('x'));
    expect(engineState().refs).toBe(1);
    await pending;
    expect(engineState().refs).toBe(0);
    await context.destroy();
  });

  it('a script that opens the device and does its work ends without process.exit()', async () => {
    const closed = await runNode(fixture('ends-by-itself.mjs'));
    expect(closed).toMatchObject({ code: 0, timedOut: false });
    expect(closed.stdout).toContain('done bye');
  });

  it('...also when it leaves the idle device open', async () => {
    const open = await runNode(fixture('ends-by-itself.mjs'), ['leave-open']);
    expect(open).toMatchObject({ code: 0, timedOut: false });
    expect(open.stdout).toContain('done bye');
  });
});

describe('memory', () => {
  it('input buffers dropped and collected while requests are in flight change nothing', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'the suite runs with --expose-gc').toBeTypeOf('function');
    const context = await device.createContext();
    const agentDevice = await openDevice();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await agentDevice.attachAgent(async (message) => {
      await gate;
      return { output: message.input };
    });
    const sends: Promise<{ output: Buffer }>[] = [];
    for (let i = 0; i < 100; i++) {
      let input: Buffer | undefined = Buffer.alloc(1024, i);
      sends.push(context.sendMessage(input, { outputSize: 1024 }));
      input = undefined;
    }
    for (let i = 0; i < 5; i++) {
      gc!();
      Buffer.alloc(1 << 20).fill(0xee);   // reuse the freed memory
      await new Promise((r) => setTimeout(r, 10));
    }
    release();
    const results = await Promise.all(sends);
    results.forEach((result, i) => expect(result.output.equals(Buffer.alloc(1024, i))).toBe(true));
    await agentDevice.close();
    await context.destroy();
  });
});

describe('threads', () => {
  it('pending requests do not hold libuv threadpool threads', async () => {
    const context = await device.createContext();
    await device.configureResponder({ enabled: true, delayMs: 2000 });
    let settled = 0;
    const sends = Array.from({ length: 8 }, () => context.sendMessage(Buffer.from('x')).finally(() => settled++));
    // Eight pending requests, four threadpool threads: file I/O must still go through.
    await Promise.all(Array.from({ length: 8 }, () => fs.readFile(__filename)));
    expect(settled).toBe(0);
    await Promise.all(sends);
    await context.destroy();
  });

  it('settles at most one batch of completions per event-loop turn', async () => {
    const context = await device.createContext();
    await device.configureResponder({ enabled: true, delayMs: 300 });
    let settled = 0;
    const perTurn: number[] = [];
    const sends = Array.from({ length: 400 }, () => context.sendMessage(Buffer.from('x')).then(() => settled++));
    let last = 0;
    let done = false;
    const all = Promise.all(sends).then(() => (done = true));
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (settled !== last) perTurn.push(settled - last);
        last = settled;
        if (done) resolve();
        else setImmediate(tick);
      };
      setImmediate(tick);
    });
    await all;
    expect(settled).toBe(400);
    // Settled only from the drain immediate, one batch per turn.
    const { settleBatch } = engineState();
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(settleBatch);
    expect(perTurn.length).toBeGreaterThanOrEqual(Math.ceil(400 / settleBatch));
    await context.destroy();
  });
});
