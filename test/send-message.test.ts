// sendMessage: the promise settles when the miniport's DxgkCbMiracastSendMessageCallback ran.
// Valid in both lanes.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { expectIdle, resetDriver, waitFor } from './helpers';

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

  it('aborting during the request cancels it in the kernel: AbortError, and the callback still runs once', async () => {
    await device.configureResponder({ enabled: true, delayMs: 500 });
    const before = await device.stats();
    const controller = new AbortController();
    const pending = context.sendMessage(Buffer.from('x'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const rightAfter = await device.stats();
    expect(rightAfter.irpsCancelledTotal - before.irpsCancelledTotal).toBe(1);
    expect(rightAfter.callbacksRun).toBe(before.callbacksRun);
    const later = await waitFor(() => device.stats(), (s) => s.callbacksRun > before.callbacksRun, 5000, 'the callback');
    await new Promise((r) => setTimeout(r, 200));
    expect((await device.stats()).callbacksRun).toBe(later.callbacksRun);
    expect(later.callbacksRun - before.callbacksRun).toBe(1);
  });

  it('rejects with the signal\'s own reason', async () => {
    await device.configureResponder({ enabled: true, delayMs: 500 });
    const controller = new AbortController();
    const reason = new Error('operator pressed stop');
    const pending = context.sendMessage(Buffer.from('x'), { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it('AbortSignal.timeout() rejects with TimeoutError', async () => {
    await device.configureResponder({ enabled: true, delayMs: 500 });
    await expect(context.sendMessage(Buffer.from('x'), { signal: AbortSignal.timeout(30) })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('timeoutMs cancels in the kernel and rejects with TimeoutError', async () => {
    await device.configureResponder({ enabled: true, delayMs: 1000 });
    const before = await device.stats();
    await expect(context.sendMessage(Buffer.from('x'), { timeoutMs: 40 })).rejects.toMatchObject({
      name: 'TimeoutError', message: expect.stringContaining('40 ms'),
    });
    expect((await device.stats()).irpsCancelledTotal - before.irpsCancelledTotal).toBe(1);
  });

  it('abort or timeout after completion changes nothing', async () => {
    await device.configureResponder({ enabled: true });
    const controller = new AbortController();
    const result = await context.sendMessage(Buffer.from('done'), { outputSize: 4, signal: controller.signal, timeoutMs: 100 });
    controller.abort();
    expect(result.output).toEqual(Buffer.from('done'));
    await new Promise((r) => setTimeout(r, 150));
  });
});

describe('input checks', () => {
  it.each([
    ['a string', 'abc', undefined, TypeError],
    ['null', null, undefined, TypeError],
    ['input over the limit', Buffer.alloc(contract.limits.maxMessageBytes + 1), undefined, RangeError],
    ['outputSize over the limit', Buffer.alloc(1), { outputSize: contract.limits.maxMessageBytes + 1 }, RangeError],
    ['a fractional outputSize', Buffer.alloc(1), { outputSize: 1.5 }, RangeError],
    ['a string outputSize', Buffer.alloc(1), { outputSize: '4' }, TypeError],
    ['a signal that is not an AbortSignal', Buffer.alloc(1), { signal: {} }, TypeError],
    ['timeoutMs 0', Buffer.alloc(1), { timeoutMs: 0 }, RangeError],
    ['timeoutMs past setTimeout', Buffer.alloc(1), { timeoutMs: 2 ** 31 }, RangeError],
  ])('rejects %s', async (_label, input, options, type) => {
    const before = await device.stats();
    await expect(context.sendMessage(input as never, options as never)).rejects.toBeInstanceOf(type);
    expect((await device.stats()).messagesTotal).toBe(before.messagesTotal);
  });
});
