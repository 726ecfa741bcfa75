// Every limit, exactly at the limit and one past it, at each layer that enforces it: the
// library's argument checks and the addon's encoder here; the driver itself in the raw C client's
// "limits" check (driver/exe/mh_checks.c, run by client-checks.test.ts), which bypasses both. A
// `>` turned `>=` anywhere fails one of them. Valid in both lanes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, MiracastContext, NtStatus, openDevice, DeviceClosedError, type MiracastDevice } from '../dist/index.js';
import { native, type NativeDevice } from '../dist/binding.js';
import { resetDriver } from './helpers';

/** The limits as the contract header documents them (miracast_hil_ioctl.h, README). */
const limits = {
  maxEchoBytes: 64 * 1024,
  maxMessageBytes: 64 * 1024,
  maxIoControlBytes: 64 * 1024,
  maxReplyBatchBytes: 4 * 1024 * 1024,
  maxTargets: 16,
  maxResponderDelayMs: 60_000,
  maxFaultDurationMs: 600_000,
  traceCapacity: 4096,
  maxHoldMs: 10_000,
};
const receiveBufferMin = 8 + 32 + limits.maxMessageBytes;   // MH_RECEIVE_BUFFER_MIN
const maxCapsSize = 4096;
const maxSendMessagesCount = 4096;
const maxSendMessagesInput = 256;
const maxChunkPrivateData = 256;
const maxTimeoutMs = 2 ** 31 - 1;   // what setTimeout holds

let device: MiracastDevice;
beforeAll(async () => {
  device = await openDevice();
  return async () => {
    await resetDriver(device);
    await device.close();
  };
});

it('the driver reports the documented limits', async () => {
  expect(contract.limits).toMatchObject({ ...limits, receiveBufferMin });
  expect(await device.info()).toMatchObject({
    maxMessageBytes: limits.maxMessageBytes, maxIoControlBytes: limits.maxIoControlBytes, traceCapacity: limits.traceCapacity,
    maxTargets: limits.maxTargets, receiveBufferMin,
  });
});

describe('the library\'s argument checks', () => {
  // On a closed device every call that passes the checks fails next with DeviceClosedError,
  // before anything reaches the addon: the checks alone decide, and nothing slow runs.
  let closed: MiracastDevice;
  let context: MiracastContext;
  beforeAll(async () => {
    closed = await openDevice();
    await closed.close();
    context = new MiracastContext(closed, 1, 0);
  });

  const bytes = (n: number) => Buffer.alloc(n);
  type Call = (limit: number) => Promise<unknown>;
  const cases: [string, number, Call][] = [
    ['echo bytes', limits.maxEchoBytes, (n) => closed.echo(bytes(n))],
    ['sendMessage input bytes', limits.maxMessageBytes, (n) => context.sendMessage(bytes(n))],
    ['sendMessage outputSize', limits.maxMessageBytes, (n) => context.sendMessage(bytes(1), { outputSize: n })],
    ['sendMessage timeoutMs', maxTimeoutMs, (n) => context.sendMessage(bytes(1), { timeoutMs: n })],
    ['ioControl input bytes', limits.maxIoControlBytes, (n) => context.ioControl(bytes(n))],
    ['ioControl outputSize', limits.maxIoControlBytes, (n) => context.ioControl(bytes(16), { outputSize: n })],
    ['queryCaps capsSize', maxCapsSize, (n) => closed.queryCaps({ capsSize: n })],
    ['configureResponder delayMs', limits.maxResponderDelayMs, (n) => closed.configureResponder({ delayMs: n })],
    ['configureResponder status (unsigned)', 0xffffffff, (n) => closed.configureResponder({ status: n })],
    ['configureMiniport targetCount', limits.maxTargets, (n) => closed.configureMiniport({ targetCount: n })],
    ['fault durationMs', limits.maxFaultDurationMs, (n) => closed.injectFault({ kind: 'lockBypass', durationMs: n })],
    ['fault count', 0xffffffff, (n) => closed.injectFault({ kind: 'lockBypass', count: n })],
    ['fault delayMs', limits.maxResponderDelayMs, (n) => closed.injectFault({ kind: 'callbackDelay', delayMs: n, count: 1 })],
    ['fault batch', 1024, (n) => closed.injectFault({ kind: 'callbackReverse', batch: n, count: 1 })],
    ['trace max', limits.traceCapacity, (n) => closed.trace({ max: n })],
    ['trace since', Number.MAX_SAFE_INTEGER, (n) => closed.trace({ since: n })],
    ['miniport.hold ms', limits.maxHoldMs, (n) => context.miniport.hold(n)],
    ['miniport.sendMessages count', maxSendMessagesCount, (n) => context.miniport.sendMessages(n)],
    ['miniport.sendMessages inputSize', maxSendMessagesInput, (n) => context.miniport.sendMessages(1, { inputSize: n })],
    ['miniport.sendMessages outputSize', limits.maxMessageBytes, (n) => context.miniport.sendMessages(1, { outputSize: n })],
    ['miniport.reportChunk privateDataSize', maxChunkPrivateData, (n) => context.miniport.reportChunk({ privateDataSize: n })],
    ['attachAgent receiveDepth', 16, (n) => closed.attachAgent(() => undefined, { receiveDepth: n })],
  ];
  it.each(cases)('%s: %i is accepted, one more is a RangeError', async (_name, limit, call) => {
    await expect(call(limit)).rejects.toBeInstanceOf(DeviceClosedError);
    await expect(call(limit + 1)).rejects.toBeInstanceOf(RangeError);
  });

  const floors: [string, number, Call][] = [
    ['sendMessage timeoutMs', 1, (n) => context.sendMessage(bytes(1), { timeoutMs: n })],
    ['sendMessage outputSize', 0, (n) => context.sendMessage(bytes(1), { outputSize: n })],
    ['configureResponder status (signed)', -(2 ** 31), (n) => closed.configureResponder({ status: n })],
    ['configureMiniport targetCount', 1, (n) => closed.configureMiniport({ targetCount: n })],
    ['fault batch', 2, (n) => closed.injectFault({ kind: 'callbackConcurrent', batch: n, count: 1 })],
    ['trace max', 1, (n) => closed.trace({ max: n })],
    ['attachAgent receiveDepth', 1, (n) => closed.attachAgent(() => undefined, { receiveDepth: n })],
  ];
  it.each(floors)('%s: %i is accepted, one less is a RangeError', async (_name, floor, call) => {
    await expect(call(floor)).rejects.toBeInstanceOf(DeviceClosedError);
    await expect(call(floor - 1)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('the addon\'s encoder', () => {
  // The addon's own Device, below the library: a value at a limit is encoded and reaches the
  // driver (which answers, here often with an error of its own: no such context, not the agent);
  // one past it throws RangeError before anything is sent.
  const addon = native();
  const ops = addon.constants.ops;
  const unknownContext = 999_999;
  let raw: NativeDevice;
  let nextId = 1;
  beforeAll(() => {
    raw = new addon.Device(addon.constants.devicePath);
  });
  afterAll(async () => {
    await resetDriver(device);
    await raw.close();
  });

  /** Submits; a synchronous throw is the encoder's verdict, a settled promise the driver's. */
  async function submit(op: keyof typeof ops, ...args: unknown[]): Promise<{ thrown?: unknown; ntstatus?: number }> {
    let promise: Promise<unknown>;
    try {
      promise = raw.submit(ops[op], nextId++, true, ...args);
    } catch (thrown) {
      return { thrown };
    }
    try {
      await promise;
      return { ntstatus: 0 };
    } catch (failure) {
      return { ntstatus: (failure as { ntstatus: number }).ntstatus };
    }
  }

  /** A reply batch of exactly `total` encoded bytes: an 8-byte header and 8-aligned records. */
  function repliesOfSize(total: number): { messageId: number; status: number; output: Buffer }[] {
    const replies = [];
    let room = total - 8;
    while (room >= 24) {
      const output = Math.min(limits.maxMessageBytes, (room - 24) & ~7);
      replies.push({ messageId: 0x7fffffff + replies.length, status: 0, output: Buffer.alloc(output) });
      room -= 24 + output;
    }
    expect(room, 'the batch adds up').toBe(0);
    return replies;
  }

  const bytes = (n: number) => Buffer.alloc(n);
  // [name, at the limit, one past it, the driver's answer at the limit]
  const cases: [string, () => Promise<{ thrown?: unknown; ntstatus?: number }>, () => Promise<{ thrown?: unknown }>, number][] = [
    ['echo input', () => submit('echo', bytes(limits.maxEchoBytes)), () => submit('echo', bytes(limits.maxEchoBytes + 1)), 0],
    ['sendMessage input', () => submit('sendMessage', unknownContext, bytes(limits.maxMessageBytes), 0),
      () => submit('sendMessage', unknownContext, bytes(limits.maxMessageBytes + 1), 0), NtStatus.STATUS_INVALID_HANDLE],
    ['sendMessage outputSize', () => submit('sendMessage', unknownContext, bytes(1), limits.maxMessageBytes),
      () => submit('sendMessage', unknownContext, bytes(1), limits.maxMessageBytes + 1), NtStatus.STATUS_INVALID_HANDLE],
    ['ioControl input', () => submit('ioControl', unknownContext, bytes(limits.maxIoControlBytes), 16, false),
      () => submit('ioControl', unknownContext, bytes(limits.maxIoControlBytes + 1), 16, false), NtStatus.STATUS_INVALID_HANDLE],
    ['ioControl outputSize', () => submit('ioControl', unknownContext, bytes(16), limits.maxIoControlBytes, false),
      () => submit('ioControl', unknownContext, bytes(16), limits.maxIoControlBytes + 1, false), NtStatus.STATUS_INVALID_HANDLE],
    ['contextId', () => submit('destroyContext', Number.MAX_SAFE_INTEGER), () => submit('destroyContext', Number.MAX_SAFE_INTEGER + 1),
      NtStatus.STATUS_INVALID_HANDLE],
    ['queryCaps capsSize', () => submit('queryCaps', maxCapsSize), () => submit('queryCaps', maxCapsSize + 1), 0],
    ['configureResponder delayMs', () => submit('configureResponder', false, 0, limits.maxResponderDelayMs),
      () => submit('configureResponder', false, 0, limits.maxResponderDelayMs + 1), 0],
    ['configureResponder status', () => submit('configureResponder', false, 0xffffffff, 0),
      () => submit('configureResponder', false, 2 ** 32, 0), 0],
    ['configureMiniport targetCount', () => submit('configureMiniport', limits.maxTargets),
      () => submit('configureMiniport', limits.maxTargets + 1), 0],
    ['setFault durationMs', () => submit('setFault', addon.constants.faultKinds.LOCK_BYPASS, 0, limits.maxFaultDurationMs, 0, 0),
      () => submit('setFault', addon.constants.faultKinds.LOCK_BYPASS, 0, limits.maxFaultDurationMs + 1, 0, 0), 0],
    ['setFault kind', () => submit('setFault', Math.max(...Object.values(addon.constants.faultKinds)), 1, 0, NtStatus.STATUS_UNSUCCESSFUL, 0),
      () => submit('setFault', Math.max(...Object.values(addon.constants.faultKinds)) + 1, 1, 0, NtStatus.STATUS_UNSUCCESSFUL, 0), 0],
    ['trace maxEvents', () => submit('trace', 0, limits.traceCapacity), () => submit('trace', 0, limits.traceCapacity + 1), 0],
    ['session action', () => submit('session', unknownContext, addon.constants.sessionActions.STOP),
      () => submit('session', unknownContext, addon.constants.sessionActions.STOP + 1), addon.constants.statuses.NOT_AGENT],
    ['receive bufferSize (its floor)', () => submit('receive', receiveBufferMin), () => submit('receive', receiveBufferMin - 1),
      addon.constants.statuses.NOT_AGENT],
    ['reply output', () => submit('reply', [{ messageId: 1, status: 0, output: bytes(limits.maxMessageBytes) }]),
      () => submit('reply', [{ messageId: 1, status: 0, output: bytes(limits.maxMessageBytes + 1) }]), addon.constants.statuses.NOT_AGENT],
    // Records are 8-byte aligned: the next size a batch can have is 8 bytes past the limit.
    ['reply batch bytes', () => submit('reply', repliesOfSize(limits.maxReplyBatchBytes)),
      () => submit('reply', repliesOfSize(limits.maxReplyBatchBytes + 8)), addon.constants.statuses.NOT_AGENT],
  ];
  it.each(cases)('%s: at the limit it reaches the driver, one past is a RangeError', async (_name, atLimit, pastLimit, driverSays) => {
    const at = await atLimit();
    expect(at.thrown).toBeUndefined();
    expect(at.ntstatus).toBe(driverSays >>> 0);
    const past = await pastLimit();
    expect(past.thrown).toBeInstanceOf(RangeError);
  });
});
