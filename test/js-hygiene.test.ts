// What the library leaves behind in JavaScript: after a request settles, in any way, no timer from
// `timeoutMs` and no abort listener remains; a long-lived AbortSignal shared by thousands of
// requests ends with no listener (and never collects one per request); a detached agent leaves
// no request in flight and no ref; a path that opens but is not this driver is not left locked.
// Valid in both lanes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  engineState, openDevice, NtStatus, NtStatusError, type MiracastContext, type MiracastDevice,
} from '../dist/index.js';
import { useDevice, waitFor } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

/**
 * Tracks the timers armed with `delay` ms (the library arms one per request with a timeoutMs):
 * how many were armed, and which are still armed (neither cleared nor fired).
 */
function trackTimers(delay: number): { armed: () => number; live: () => number; stop: () => void } {
  const original = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  const live = new Set<unknown>();
  let armed = 0;
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (ms !== delay) return original.setTimeout(callback, ms, ...args);
    armed++;
    const timer = original.setTimeout((...a: unknown[]) => {
      live.delete(timer);
      callback(...a);
    }, ms, ...args);
    live.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer?: Parameters<typeof clearTimeout>[0]) => {
    live.delete(timer);
    original.clearTimeout(timer);
  }) as typeof clearTimeout;
  return {
    armed: () => armed,
    live: () => live.size,
    stop: () => Object.assign(globalThis, original),
  };
}
const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

/** A device and a context of its own, closed after `use` (the one Miracast target is shared by the suite). */
async function withContext<T>(use: (owner: MiracastDevice, context: MiracastContext) => Promise<T>): Promise<T> {
  const owner = await openDevice();
  try {
    const context = await owner.createContext();
    return await use(owner, context);
  } finally {
    await owner.close();
  }
}

const N = 20;
const LONG = 598_765;   // a request's timeoutMs that never fires (an unusual value, to track its timers)
const SHORT = 51;       // one that does
const sends = (context: MiracastContext, options: { signal?: AbortSignal; timeoutMs?: number }) =>
  Array.from({ length: N }, (_, i) => context.sendMessage(Buffer.from([i]), { outputSize: 1, ...options }));
const pendingAtResponder = () =>
  waitFor(() => device.stats(), (s) => s.messagesDelivered >= N && s.irpsPending >= N, 10_000, `${N} sends pending at the responder`);

describe('a settled request leaves no timer and no abort listener', () => {
  it.each([
    ['success', async (context: MiracastContext, signal: AbortSignal) => {
      await device.configureResponder({ enabled: true });
      const results = await Promise.all(sends(context, { signal, timeoutMs: LONG }));
      expect(results.every((r) => r.status === 0)).toBe(true);
    }],
    ['an NT failure', async (context: MiracastContext, signal: AbortSignal) => {
      // No agent and no responder: each send fails in the driver.
      const outcomes = await Promise.allSettled(sends(context, { signal, timeoutMs: LONG }));
      for (const o of outcomes) expect(o).toMatchObject({ status: 'rejected', reason: { code: 'STATUS_DEVICE_REMOVED' } });
    }],
    ['abort', async (context: MiracastContext, _shared: AbortSignal) => {
      await device.configureResponder({ enabled: true, delayMs: 60_000 });
      const controller = new AbortController();
      const pending = Promise.allSettled(sends(context, { signal: controller.signal, timeoutMs: LONG }));
      await pendingAtResponder();
      expect(abortListeners(controller.signal)).toBe(1);   // one for all N, not one each
      controller.abort();
      for (const o of await pending) expect(o).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      expect(abortListeners(controller.signal)).toBe(0);
    }],
    ['timeout', async (context: MiracastContext, signal: AbortSignal) => {
      await device.configureResponder({ enabled: true, delayMs: 60_000 });
      const outcomes = await Promise.allSettled(sends(context, { signal, timeoutMs: SHORT }));
      for (const o of outcomes) expect(o).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } });
    }],
    ['close', async (context: MiracastContext, signal: AbortSignal, owner?: MiracastDevice) => {
      await device.configureResponder({ enabled: true, delayMs: 60_000 });
      const pending = Promise.allSettled(sends(context, { signal, timeoutMs: LONG }));
      await pendingAtResponder();
      await owner!.close();
      for (const o of await pending) expect(o).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
    }],
  ])('after %s', async (label, run) => {
    const shared = new AbortController();   // never aborted: outlives every request
    const timers = trackTimers(label === 'timeout' ? SHORT : LONG);
    try {
      await withContext((owner, context) => run(context, shared.signal, owner));
    } finally {
      timers.stop();
    }
    expect(timers.armed()).toBe(N);
    expect(timers.live()).toBe(0);
    expect(abortListeners(shared.signal)).toBe(0);
  });
});

describe('a long-lived AbortSignal', () => {
  it('shared by 3,000 requests ends with zero listeners, and never had more than one', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const shared = new AbortController();
    let most = 0;
    try {
      await device.configureResponder({ enabled: true });
      await withContext(async (_owner, context) => {
        for (let wave = 0; wave < 10; wave++) {
          const inFlight = Array.from({ length: 300 }, (_, i) =>
            context.sendMessage(Buffer.from([i & 0xff]), { outputSize: 1, signal: shared.signal, timeoutMs: LONG }));
          most = Math.max(most, abortListeners(shared.signal));
          await Promise.all(inFlight);
        }
      });
      expect(most).toBe(1);
      expect(abortListeners(shared.signal)).toBe(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('an agent after detach', () => {
  it('leaves no request in flight and no ref', async () => {
    const before = { refs: engineState().refs };
    const umd = await openDevice();
    try {
      const agent = await umd.attachAgent(async ({ input }) => {
        await new Promise((resolve) => setImmediate(resolve));
        return { output: input };
      });
      await withContext(async (_owner, context) => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
          context.sendMessage(Buffer.from([i]), { outputSize: 1, timeoutMs: 10_000 })));
        expect(results.map((r) => r.output[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
      });
      expect(umd.inFlight).toBeGreaterThan(0);              // its receives, waiting
      expect(engineState().refs).toBeGreaterThan(before.refs);
      await agent.detach();
      expect(umd.inFlight).toBe(0);
      expect(engineState().refs).toBe(before.refs);
      expect((await device.stats()).agentAttached).toBe(0);
    } finally {
      await umd.close();
    }
  });
});

describe('openDevice on a path that opens but is not this driver', () => {
  it('rejects, and closes the handle: the file is not left locked', async () => {
    const file = path.join(os.tmpdir(), `miracast-hil-not-a-driver-${process.pid}.bin`);
    fs.writeFileSync(file, 'not a driver');
    try {
      const error = await openDevice({ path: file }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NtStatusError);
      expect(error).toMatchObject({ operation: 'openDevice' });
      expect((error as NtStatusError).status).not.toBe(NtStatus.STATUS_SUCCESS);
      // The handle was opened without sharing: while it stays open these fail with EBUSY.
      fs.writeFileSync(file, 'written again');
      fs.unlinkSync(file);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
