// The OS side misbehaving on purpose, and the miniport coping: holding its buffers until its
// callback, the callback before the send returns, concurrent and out-of-order callbacks, and each
// send block freed exactly once (no bad callback, no block left). Valid in both lanes.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiniportState, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { expectIdle, resetDriver, settled, traceKinds, waitFor, waitForTrace } from './helpers';

let device: MiracastDevice;
let context: MiracastContext;
let start: MiniportState;

beforeAll(async () => {
  device = await openDevice();
  return () => device.close();
});
beforeEach(async () => {
  context = await device.createContext();
  await device.configureResponder({ enabled: true });
  start = await context.miniport.readState();
});
afterEach(async () => {
  await device.resetFaults();
  // Under every fault: each block freed exactly once, none left.
  const end = await waitFor(() => context.miniport.readState(), (s) => s.blocksOutstanding === 0, 10_000, 'blocks freed');
  expect(end.badCallbacks).toBe(start.badCallbacks);
  await context.destroy();
  await resetDriver(device);
  await expectIdle(device);
});

describe('CreateContext', () => {
  it('fails the next N calls before the miniport is called', async () => {
    await context.destroy();
    await device.injectFault({ kind: 'createContextFail', status: NtStatus.STATUS_RESOURCE_IN_USE, count: 2 });
    const mark = await device.traceMark();
    for (let i = 0; i < 2; i++) {
      await expect(device.createContext()).rejects.toMatchObject({ status: NtStatus.STATUS_RESOURCE_IN_USE, operation: 'createContext' });
    }
    expect(traceKinds((await device.trace({ since: mark })).events)).toEqual(['fault createContextFail', 'fault createContextFail']);
    context = await device.createContext();   // the third call goes through
    expect((await context.miniport.readState()).contextsCreated).toBe(start.contextsCreated + 1);
  });

  it('after the miniport succeeded: the host destroys it again, as dxgkrnl does when a later step fails', async () => {
    await context.destroy();
    await device.injectFault({ kind: 'createContextFail', status: NtStatus.STATUS_INVALID_PARAMETER, stage: 'afterMiniport', count: 1 });
    const mark = await device.traceMark();
    await expect(device.createContext()).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_PARAMETER });
    expect(traceKinds((await device.trace({ since: mark })).events)).toEqual([
      'fault createContextFail', 'enter createContext', 'exit createContext STATUS_SUCCESS',
      'enter destroyContext', 'hpd depart', 'exit destroyContext STATUS_SUCCESS',
    ]);
    context = await device.createContext();   // the target was freed
    const state = await context.miniport.readState();
    expect(state.contextsCreated - start.contextsCreated).toBe(2);
    expect(state.contextsDestroyed - start.contextsDestroyed).toBe(2);
  });
});

describe('DxgkCbMiracastSendMessage', () => {
  it('fails before delivery: no callback, and the miniport frees its block itself', async () => {
    await device.injectFault({ kind: 'sendFail', status: NtStatus.STATUS_INVALID_PARAMETER_1, count: 3 });
    const before = await device.stats();
    for (let i = 0; i < 3; i++) {
      await expect(context.sendMessage(Buffer.from('x'))).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_PARAMETER_1 });
    }
    expect((await device.stats()).callbacksRun).toBe(before.callbacksRun);
    const state = await context.miniport.readState();
    expect(state.sendFailures - start.sendFailures).toBe(3);
    expect(state.blocksOutstanding).toBe(0);
    expect((await context.sendMessage(Buffer.from('ok'), { outputSize: 2 })).output.toString()).toBe('ok');
  });
});

describe('the callback', () => {
  it('runs before DxgkCbMiracastSendMessage returns, and the miniport copes', async () => {
    await device.injectFault({ kind: 'callbackInline', status: 0x40000123, count: 5 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => context.sendMessage(Buffer.from([i]), { outputSize: 1 })));
    expect(results.every((r, i) => r.status === 0x40000123 && r.output[0] === i)).toBe(true);
    const state = await context.miniport.readState();
    expect(state.callbacksBeforeReturn - start.callbacksBeforeReturn).toBe(5);
    expect(state.callbacksRun - start.callbacksRun).toBe(5);
  });

  it('completes with a chosen status', async () => {
    await device.injectFault({ kind: 'callbackStatus', status: NtStatus.STATUS_CONNECTION_RESET, count: 1 });
    expect((await context.sendMessage(Buffer.from('a'), { outputSize: 1 })).status).toBe(NtStatus.STATUS_CONNECTION_RESET);
    expect((await context.sendMessage(Buffer.from('b'), { outputSize: 1 })).status).toBe(NtStatus.STATUS_SUCCESS);
  });

  it('is delayed: a later message completes first', async () => {
    await device.injectFault({ kind: 'callbackDelay', delayMs: 2000, count: 1 });
    const mark = await device.traceMark();
    const order: string[] = [];
    const slow = settled(context.sendMessage(Buffer.from('slow')).then(() => order.push('slow')));
    // The slow message's callback is on its delay before the fast one is sent.
    await waitForTrace(device, mark, (e) => e.kind === 'fault' && e.fault === 'callbackDelay', 'the delay to be applied');
    const fast = settled(context.sendMessage(Buffer.from('fast')).then(() => order.push('fast')));
    expect((await Promise.all([slow, fast])).map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('runs for several messages at once from several threads', async () => {
    await device.injectFault({ kind: 'callbackConcurrent', batch: 4, count: 4 });
    const mark = await device.traceMark();
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => context.sendMessage(Buffer.from([i]), { outputSize: 1 })));
    expect(results.map((r) => r.output[0])).toEqual([0, 1, 2, 3]);
    const callbacks = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'callback');
    expect(callbacks).toHaveLength(4);
    expect(new Set(callbacks.map((e) => e.threadId)).size).toBeGreaterThanOrEqual(2);
  });

  it('completes out of order: newest first', async () => {
    await device.injectFault({ kind: 'callbackReverse', batch: 4, count: 4 });
    const mark = await device.traceMark();
    const order: number[] = [];
    await Promise.all(Array.from({ length: 4 }, (_, i) => context.sendMessage(Buffer.from([i]), { outputSize: 1 }).then(() => order.push(i))));
    expect(order).toEqual([3, 2, 1, 0]);
    const events = (await device.trace({ since: mark })).events;
    const sent = events.filter((e) => e.kind === 'send').map((e) => e.messageId);
    const called = events.filter((e) => e.kind === 'callback').map((e) => e.messageId);
    expect(called).toEqual([...sent].reverse());
  });

  it('a batch whose fault expires before it fills is released, not stranded', async () => {
    await device.injectFault({ kind: 'callbackConcurrent', batch: 8, durationMs: 300 });
    const results = await Promise.all([0, 1].map((i) => context.sendMessage(Buffer.from([i]), { outputSize: 1 })));
    expect(results.map((r) => r.output[0])).toEqual([0, 1]);
  });
});

describe('scoping', () => {
  it('a count runs out, a duration expires, and a reset clears', async () => {
    await device.injectFault({ kind: 'callbackStatus', status: NtStatus.STATUS_TIMEOUT, count: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await context.sendMessage(Buffer.from('x'))).status);
    expect(statuses).toEqual([NtStatus.STATUS_TIMEOUT, NtStatus.STATUS_TIMEOUT, NtStatus.STATUS_SUCCESS]);

    // Long enough that a loaded machine's pause between arming and the first send cannot outlast it.
    const durationMs = 3000;
    const armedAt = Date.now();
    await device.injectFault({ kind: 'callbackStatus', status: NtStatus.STATUS_TIMEOUT, durationMs });
    expect((await context.sendMessage(Buffer.from('x'))).status).toBe(NtStatus.STATUS_TIMEOUT);
    await waitFor(async () => (await context.sendMessage(Buffer.from('x'))).status, (status) => status === NtStatus.STATUS_SUCCESS,
      10_000, 'the fault to expire');
    // It cannot have expired before its lifetime (a little slack for the two clocks).
    expect(Date.now() - armedAt).toBeGreaterThanOrEqual(durationMs - 50);

    await device.injectFault({ kind: 'sendFail', status: NtStatus.STATUS_NO_MEMORY, durationMs: 60_000 });
    await expect(context.sendMessage(Buffer.from('x'))).rejects.toMatchObject({ status: NtStatus.STATUS_NO_MEMORY });
    await device.resetFaults();
    expect((await context.sendMessage(Buffer.from('x'))).status).toBe(NtStatus.STATUS_SUCCESS);
  });

  it.each([
    ['an unscoped fault', { kind: 'sendFail', status: NtStatus.STATUS_NO_MEMORY }, RangeError],
    ['an unknown kind', { kind: 'sideways', count: 1 }, TypeError],
    ['a success status for sendFail', { kind: 'sendFail', status: 0, count: 1 }, RangeError],
    ['a batch of 1', { kind: 'callbackConcurrent', batch: 1, count: 1 }, RangeError],
    ['a batch of 1025 (one past 1024)', { kind: 'callbackReverse', batch: 1025, count: 1 }, RangeError],
    ['a bad stage', { kind: 'createContextFail', status: NtStatus.STATUS_NO_MEMORY, stage: 'later', count: 1 }, TypeError],
    ['a duration one past the limit', { kind: 'lockBypass', durationMs: contract.limits.maxFaultDurationMs + 1 }, RangeError],
    ['a delay one past the limit', { kind: 'callbackDelay', delayMs: contract.limits.maxResponderDelayMs + 1, count: 1 }, RangeError],
    ['a count one past 32 bits', { kind: 'callbackStatus', status: NtStatus.STATUS_TIMEOUT, count: 2 ** 32 }, RangeError],
    ['no fault at all', undefined, TypeError],
  ])('rejects %s, and nothing is armed', async (_label, fault, type) => {
    const before = await device.stats();
    const mark = await device.traceMark();
    await expect(device.injectFault(fault as never)).rejects.toBeInstanceOf(type);
    // A message goes through untouched.
    expect(await context.sendMessage(Buffer.from('ok'), { outputSize: 2 })).toMatchObject({ status: NtStatus.STATUS_SUCCESS, output: Buffer.from('ok') });
    expect((await device.stats()).faultsApplied).toBe(before.faultsApplied);
    expect((await device.trace({ since: mark })).events.filter((e) => e.kind === 'fault')).toEqual([]);
  });

  it.each([
    ['a duration of exactly the limit', { kind: 'callbackStatus', status: NtStatus.STATUS_TIMEOUT, durationMs: contract.limits.maxFaultDurationMs }],
    ['a count of 2^32 - 1', { kind: 'callbackStatus', status: NtStatus.STATUS_TIMEOUT, count: 2 ** 32 - 1 }],
    ['a delay of exactly the limit (the fault is armed, then cleared)', { kind: 'callbackDelay', delayMs: contract.limits.maxResponderDelayMs, durationMs: 1 }],
    ['a batch of 2', { kind: 'callbackConcurrent', batch: 2, count: 2 }],
    ['a batch of 1024', { kind: 'callbackReverse', batch: 1024, count: 1024 }],
  ])('accepts %s', async (_label, fault) => {
    await device.injectFault(fault as never);
    if ((fault as { kind: string }).kind === 'callbackStatus') {
      expect((await context.sendMessage(Buffer.from('x'))).status).toBe(NtStatus.STATUS_TIMEOUT);
    }
    await device.resetFaults();
  });
});
