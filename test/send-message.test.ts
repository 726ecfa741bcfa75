// sendMessage: the promise settles when the miniport's DxgkCbMiracastSendMessageCallback ran.
// Valid in both lanes.
import { getEventListeners } from 'node:events';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { holdingAgent, resetDriver, settled, waitFor } from './helpers';

let device: MiracastDevice;
let context: MiracastContext;
beforeAll(async () => {
  device = await openDevice();
  context = await device.createContext();
  return async () => {
    await context.destroy();
    await device.close();
  };
});
afterEach(async () => {
  await resetDriver(device);
  const drained = await waitFor(() => device.stats(), (s) => s.hostMessages === 0 && s.miniportBlocks === 0 && s.irpsPending === 0, 10_000, 'messages to drain');
  // Every IRP went back with its cancel routine cleared (this file keeps a context, so not isIdle).
  expect(drained.irpsCompletedWithCancelRoutine).toBe(0);
});

/** Timers this process has armed now (Node's own count, not the library's). Vitest may hold one
    of its own at either moment, so the checks allow fewer after, never more: a request that left
    its timer behind (each of many) shows. */
const activeTimers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

/**
 * Sends one message that an agent holds (so only a cancel can end the request) and returns the
 * send's outcome; then the agent lets go, and the miniport's callback runs once. With `onPending`,
 * first waits until the send is pending in the kernel and its message in the agent's hands, then
 * calls it. `whileStillHeld` runs after the send settled, before the agent lets go.
 */
async function heldSend(options: Parameters<MiracastContext['sendMessage']>[1], onPending?: () => void,
    whileStillHeld?: () => Promise<void>): Promise<PromiseSettledResult<unknown>> {
  await device.configureResponder({ enabled: false });   // it would answer before any agent
  const agent = await holdingAgent();
  try {
    const before = await device.stats();
    const outcome = settled(context.sendMessage(Buffer.from('x'), options));
    if (onPending) {
      await waitFor(() => device.stats(), (s) => s.messagesDelivered === 1 && s.irpsPending - before.irpsPending === 1, 10_000,
        'the send pending in the kernel, its message in the agent\'s hands');
      onPending();
    }
    const result = await outcome;
    await whileStillHeld?.();
    return result;
  } finally {
    await agent.close();
  }
}

describe('with the kernel responder', () => {
  it('resolves with the responder\'s status, the echoed output and Information; the callback ran once', async () => {
    await device.configureResponder({ enabled: true, status: 0x00000123 });
    const before = await device.stats();
    const result = await context.sendMessage(Buffer.from('hello miracast'), { outputSize: 64 });
    expect(result).toEqual({ status: 0x123, information: 14, output: Buffer.from('hello miracast') });
    const after = await device.stats();
    expect(after.callbacksRun - before.callbacksRun).toBe(1);
    expect(after.responderAnswers - before.responderAnswers).toBe(1);
  });

  it('an error status in the IO_STATUS_BLOCK is data, not a rejection; the output is cut to outputSize', async () => {
    await device.configureResponder({ enabled: true, status: NtStatus.STATUS_IO_DEVICE_ERROR });
    const result = await context.sendMessage(Buffer.from('abcdef'), { outputSize: 2 });
    expect(result).toEqual({ status: NtStatus.STATUS_IO_DEVICE_ERROR, information: 2, output: Buffer.from('ab') });
  });

  it('accepts every kind of byte view as input', async () => {
    await device.configureResponder({ enabled: true });
    const bytes = new Uint16Array([0x4241, 0x4443]);
    expect((await context.sendMessage(bytes, { outputSize: 4 })).output).toEqual(Buffer.from('ABCD'));
    expect((await context.sendMessage(new DataView(bytes.buffer), { outputSize: 4 })).output).toEqual(Buffer.from('ABCD'));
    expect((await context.sendMessage(bytes.buffer, { outputSize: 4 })).output).toEqual(Buffer.from('ABCD'));
  });

  it('carries a message of exactly the size limit, in and out', async () => {
    await device.configureResponder({ enabled: true });
    const input = Buffer.alloc(contract.limits.maxMessageBytes, 0x5a);
    input.writeUInt32LE(0xfeedface, contract.limits.maxMessageBytes - 4);
    const result = await context.sendMessage(input, { outputSize: contract.limits.maxMessageBytes });
    expect(result.information).toBe(contract.limits.maxMessageBytes);
    expect(result.output.equals(input)).toBe(true);
  });
});

describe('callbacks of answers that arrive together', () => {
  it('share the callback workers\' wake-ups: 64 answers in one reply wake a few workers, not 64', async () => {
    // A busy worker takes the next callback without a wake-up (under Wine each wake-up is two
    // wineserver round trips); every callback still runs exactly once.
    const agent = await holdingAgent();
    try {
      const before = await device.stats();
      const count = 64;
      const sends = Array.from({ length: count }, (_, i) => settled(context.sendMessage(Buffer.from([i]), { outputSize: 1 })));
      await waitFor(() => device.stats(), (s) => s.messagesDelivered - before.messagesDelivered === count, 10_000, 'every message in the agent\'s hands');
      agent.release();    // every answer ready in one turn: they go in as few reply IOCTLs as fit
      for (const [i, outcome] of (await Promise.all(sends)).entries()) {
        expect(outcome, `send ${i}`).toMatchObject({ status: 'fulfilled', value: { output: Buffer.from([i]) } });
      }
      const after = await device.stats();
      expect(after.callbacksRun - before.callbacksRun, 'each callback once').toBe(count);
      const wakes = after.callbackWakes - before.callbackWakes;
      expect(wakes, 'at least one worker was woken').toBeGreaterThan(0);
      expect(wakes, `${wakes} wake-ups for ${count} callbacks`).toBeLessThan(count / 4);
    } finally {
      await agent.close();
    }
  });
});

describe('with no agent and no responder', () => {
  it('rejects at once with STATUS_DEVICE_REMOVED, and no callback runs', async () => {
    const before = await device.stats();
    const error = await context.sendMessage(Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NtStatusError', status: NtStatus.STATUS_DEVICE_REMOVED, operation: 'sendMessage' });
    const after = await device.stats();
    expect(after.callbacksRun).toBe(before.callbacksRun);
    expect(after.sendFailures - before.sendFailures).toBe(1);
  });

  it('the error carries a stack from the caller', async () => {
    async function callerOfSend() {
      return await context.sendMessage(Buffer.from('x'));
    }
    const error = (await callerOfSend().catch((e: unknown) => e)) as Error;
    expect(error.stack).toContain('callerOfSend');
    expect(error.stack).toContain('sendMessage');
  });
});

describe('cancellation', () => {
  it('an already aborted signal rejects without reaching the driver', async () => {
    const before = await device.stats();
    const error = await context.sendMessage(Buffer.from('x'), { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    const after = await device.stats();
    expect(after.irpsPendedTotal).toBe(before.irpsPendedTotal);
    expect(after.messagesTotal).toBe(before.messagesTotal);
  });

  it('aborting during the request cancels it in the kernel: AbortError, and the callback still runs exactly once', async () => {
    const before = await device.stats();
    const controller = new AbortController();
    const outcome = await heldSend({ signal: controller.signal, outputSize: 1 }, () => controller.abort(), async () => {
      const atAbort = await device.stats();
      expect(atAbort.irpsCancelledTotal - before.irpsCancelledTotal).toBe(1);
      // The agent still holds the message: the request is gone, its callback has not run.
      expect(atAbort.callbacksRun).toBe(before.callbacksRun);
      expect(atAbort.hostMessages).toBe(1);
    });
    expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
    // The agent let go (heldSend closed it): the message completes through its callback, once.
    const after = await waitFor(() => device.stats(), (s) => s.hostMessages === 0 && s.miniportBlocks === 0, 10_000, 'the message to complete');
    expect(after.callbacksRun - before.callbacksRun).toBe(1);
  });

  it('rejects with the signal\'s own reason', async () => {
    const controller = new AbortController();
    const reason = new Error('operator pressed stop');
    expect(await heldSend({ signal: controller.signal }, () => controller.abort(reason))).toEqual({ status: 'rejected', reason });
  });

  it('AbortSignal.timeout() rejects with TimeoutError', async () => {
    expect(await heldSend({ signal: AbortSignal.timeout(30) })).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } });
  });

  it('timeoutMs cancels in the kernel and rejects with TimeoutError', async () => {
    const before = await device.stats();
    // Long enough to see the request pending in the kernel first, so its cancel must come from there.
    const outcome = await heldSend({ timeoutMs: 2000 }, () => {}, async () => {
      expect((await device.stats()).irpsCancelledTotal - before.irpsCancelledTotal).toBe(1);
    });
    expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError', message: expect.stringContaining('2000 ms') } });
  });

  it('requests that completed leave no timer and no abort listener; a later abort cancels nothing', async () => {
    await device.configureResponder({ enabled: true });
    const timersBefore = activeTimers();
    const before = await device.stats();
    const controllers = Array.from({ length: 10 }, () => new AbortController());
    for (const [i, controller] of controllers.entries()) {
      const result = await context.sendMessage(Buffer.from([i]), { outputSize: 1, signal: controller.signal, timeoutMs: 60_000 });
      expect(result.output).toEqual(Buffer.from([i]));
      expect(getEventListeners(controller.signal, 'abort'), `request ${i}`).toHaveLength(0);
    }
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    for (const controller of controllers) controller.abort();
    const after = await device.stats();
    expect(after.irpsCancelledTotal).toBe(before.irpsCancelledTotal);
  });

  it('a long-lived signal shared by many requests ends with no listeners, settled or aborted', async () => {
    await device.configureResponder({ enabled: true });
    const controller = new AbortController();
    const timersBefore = activeTimers();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      context.sendMessage(Buffer.from([i]), { outputSize: 1, signal: controller.signal, timeoutMs: 60_000 })));
    expect(results.map((r) => r.output[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    // Aborted while pending: the listeners and timers go too.
    const aborted = new AbortController();
    const outcome = await heldSend({ signal: aborted.signal, timeoutMs: 60_000 }, () => {
      expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(1);
      aborted.abort();
    });
    expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
    expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(0);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
  });
});

describe('input checks', () => {
  it.each([
    ['a string', 'abc', undefined, TypeError],
    ['null', null, undefined, TypeError],
    ['input one byte over the limit', Buffer.alloc(contract.limits.maxMessageBytes + 1), undefined, RangeError],
    ['outputSize one over the limit', Buffer.alloc(1), { outputSize: contract.limits.maxMessageBytes + 1 }, RangeError],
    ['a negative outputSize', Buffer.alloc(1), { outputSize: -1 }, RangeError],
    ['a fractional outputSize', Buffer.alloc(1), { outputSize: 1.5 }, RangeError],
    ['a string outputSize', Buffer.alloc(1), { outputSize: '4' }, TypeError],
    ['a signal that is not an AbortSignal', Buffer.alloc(1), { signal: {} }, TypeError],
    ['timeoutMs 0', Buffer.alloc(1), { timeoutMs: 0 }, RangeError],
    ['timeoutMs one past what setTimeout holds', Buffer.alloc(1), { timeoutMs: 2 ** 31 }, RangeError],
  ])('rejects %s', async (_label, input, options, type) => {
    const before = await device.stats();
    await expect(context.sendMessage(input as never, options as never)).rejects.toBeInstanceOf(type);
    expect((await device.stats()).messagesTotal).toBe(before.messagesTotal);
  });

  it('accepts timeoutMs exactly at what setTimeout holds, and 1', async () => {
    await device.configureResponder({ enabled: true });
    const timersBefore = activeTimers();
    expect((await context.sendMessage(Buffer.from('a'), { outputSize: 1, timeoutMs: 2 ** 31 - 1 })).output).toEqual(Buffer.from('a'));
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    const outcome = await heldSend({ timeoutMs: 1 });
    expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } });
  });
});
