// Lifetimes: close and disposal with requests in flight, process exit without process.exit(),
// the event loop kept alive only while requests are in flight, buffers dropped and collected
// while the kernel works, no threadpool for pending I/O, bounded work per event-loop turn.
// Valid in both lanes.
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engineState, openDevice, type MiracastDevice } from '../dist/index.js';
import { fixture, holdingAgent, settled, settlesWithin, waitFor, within, useDevice } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

/** The addon's documented bound: at most 32 completions settled per event-loop turn (README). */
const SETTLE_BATCH = 32;

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
    try {
      const context = await doomed.createContext();
      await device.configureResponder({ enabled: true, delayMs: 5000 });
      const sends = [0, 1, 2].map((i) => settled(context.sendMessage(Buffer.from([i]), { outputSize: 1 })));
      await waitFor(() => device.stats(), (s) => s.irpsPending === 3, 5000, 'three pending sends');
      expect(doomed.inFlight).toBe(3);
      await doomed.close();
      for (const outcome of await Promise.all(sends)) {
        expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      }
      expect(doomed.inFlight).toBe(0);
    } finally {
      await doomed.close();
    }
  });

  it('await using closes a device whose requests are still pending', async () => {
    await device.configureResponder({ enabled: true, delayMs: 5000 });
    let pending: Promise<PromiseSettledResult<unknown>> | undefined;
    {
      await using scoped = await openDevice();
      const context = await scoped.createContext();
      pending = settled(context.sendMessage(Buffer.from('x')));
      await waitFor(() => device.stats(), (s) => s.irpsPending === 1, 5000, 'the pending send');
    }
    expect(await pending).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
  });
});

describe('the event loop', () => {
  it('a process with a request in flight stays alive until it settles, then ends by itself', async () => {
    const agentDevice = await openDevice();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    await agentDevice.attachAgent(async () => {
      arrived();
      await gate;
      return { output: Buffer.from('yes') };
    });
    const child = spawn(process.execPath, [fixture('stays-alive.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The child's request is in this agent's hands: it has nothing else to wait for.
      expect(await Promise.race([delivered.then(() => 'delivered'), exited.then(() => `ended: ${stdout}`)])).toBe('delivered');
      // A process that the request does not keep alive ends within a turn of its event loop,
      // far inside this window.
      expect(await settlesWithin(exited, 1500), 'the child ended while its request was in flight').toBe(false);
      expect(stdout).toBe('sent\n');
      release();
      expect(await within(exited, 30_000, 'the child to end by itself after its request settled')).toBe(0);
      expect(stdout).toBe('sent\nsettled yes\n');
    } finally {
      release();
      if (child.exitCode === null) child.kill();
      await agentDevice.close();
    }
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
    await using context = await device.createContext();
    const agent = await holdingAgent();
    try {
      const sends: Promise<PromiseSettledResult<{ output: Buffer }>>[] = [];
      for (let i = 0; i < 100; i++) {
        let input: Buffer | undefined = Buffer.alloc(1024, i);
        sends.push(settled(context.sendMessage(input, { outputSize: 1024 })));
        input = undefined;
      }
      await waitFor(() => device.stats(), (s) => s.messagesDelivered === 100, 10_000, 'all 100 in the agent\'s hands');
      for (let i = 0; i < 5; i++) {
        gc!();
        Buffer.alloc(1 << 20).fill(0xee);   // reuse the freed memory
        await new Promise((resolve) => setImmediate(resolve));
      }
      agent.release();
      const results = await Promise.all(sends);
      results.forEach((result, i) => {
        expect(result.status, `send ${i}`).toBe('fulfilled');
        expect((result as PromiseFulfilledResult<{ output: Buffer }>).value.output.equals(Buffer.alloc(1024, i)), `send ${i}`).toBe(true);
      });
    } finally {
      await agent.close();
    }
  });
});

describe('threads', () => {
  it('pending requests do not hold libuv threadpool threads', async () => {
    await using context = await device.createContext();
    const agent = await holdingAgent();
    try {
      let settledCount = 0;
      const sends = Array.from({ length: 8 }, () => settled(context.sendMessage(Buffer.from('x'))).finally(() => settledCount++));
      await waitFor(() => device.stats(), (s) => s.messagesDelivered === 8, 10_000, 'eight sends pending in the agent\'s hands');
      // Eight pending requests, four threadpool threads: file I/O must still go through.
      await Promise.all(Array.from({ length: 8 }, () => fs.readFile(__filename)));
      expect(settledCount).toBe(0);
      agent.release();
      expect((await Promise.all(sends)).map((s) => s.status)).toEqual(Array(8).fill('fulfilled'));
    } finally {
      await agent.close();
    }
  });

  it('settles at most one batch of completions per event-loop turn, and timers run between batches', async () => {
    await using context = await device.createContext();
    await device.configureResponder({ enabled: true, delayMs: 200 });
    const count = 400;
    let settledCount = 0;
    const sends = Array.from({ length: count }, () => settled(context.sendMessage(Buffer.from('x'))).then((s) => {
      settledCount++;
      return s;
    }));
    // Keep this thread busy until every completion has left the kernel and waits in the addon,
    // so that the addon has them all at once and must split them into batches.
    const deadline = Date.now() + 20_000;
    while (engineState().inFlight > 0) {
      if (Date.now() > deadline) throw new Error(`completions still in the kernel: ${engineState().inFlight}`);
    }
    const perTurn: number[] = [];
    let timerRuns = 0;
    let settling = true;
    const timer = () => {
      if (settledCount > 0 && settledCount < count) timerRuns++;
      if (settling) setTimeout(timer, 0);
    };
    setTimeout(timer, 0);
    const all = Promise.all(sends).then((outcomes) => {
      settling = false;
      return outcomes;
    });
    let last = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (settledCount !== last) perTurn.push(settledCount - last);
        last = settledCount;
        if (!settling) resolve();
        else setImmediate(tick);
      };
      setImmediate(tick);
    });
    expect((await all).every((s) => s.status === 'fulfilled')).toBe(true);
    expect(settledCount).toBe(count);
    // All waiting at once: full batches of exactly the documented size, then the rest.
    const full = Math.floor(count / SETTLE_BATCH);
    expect(perTurn).toEqual([...Array(full).fill(SETTLE_BATCH), count - full * SETTLE_BATCH]);
    expect(timerRuns, 'timers ran between the batches').toBeGreaterThan(0);
  });
});
