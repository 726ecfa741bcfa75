// Errors users branch on: the status helpers refuse what is not an NTSTATUS (it must never read as
// STATUS_SUCCESS), and every error the library raises carries a stable `code`. Valid in both lanes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openDevice, NtStatus, NtStatusError, DeviceClosedError, ntStatusName, ntSuccess, ntError, ntStatusCode,
  type MiracastContext, type MiracastDevice,
} from '../dist/index.js';

// Not NTSTATUS values: each must throw, with the error type and Node's code for it.
const notStatuses: [string, unknown, typeof TypeError | typeof RangeError, string][] = [
  ['a string', 'garbage', TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['a numeric string', '0', TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['undefined', undefined, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['null', null, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['an object', {}, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['a bigint', 0n, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['NaN', NaN, RangeError, 'ERR_OUT_OF_RANGE'],
  ['Infinity', Infinity, RangeError, 'ERR_OUT_OF_RANGE'],
  ['a fraction', 0.5, RangeError, 'ERR_OUT_OF_RANGE'],
  ['2^32', 0x1_0000_0000, RangeError, 'ERR_OUT_OF_RANGE'],
  ['below -2^31', -0x8000_0001, RangeError, 'ERR_OUT_OF_RANGE'],
];

describe('the status helpers take only 32-bit integers', () => {
  const helpers: [string, (value: never) => unknown][] = [
    ['ntStatusName', ntStatusName],
    ['ntSuccess', ntSuccess],
    ['ntError', ntError],
    ['ntStatusCode', ntStatusCode],
    ['new NtStatusError', (value) => new NtStatusError(value, 'test')],
  ];
  for (const [helper, call] of helpers) {
    it.each(notStatuses)(`${helper} given %s throws`, (_label, value, type, code) => {
      let thrown: unknown;
      try {
        call(value as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(type);
      expect(thrown).toMatchObject({ code });
    });
  }

  it('answer for real statuses, signed or unsigned alike', () => {
    expect(ntStatusName(0)).toBe('STATUS_SUCCESS');
    expect(ntStatusName(-1073741536)).toBe('STATUS_CANCELLED');
    expect(ntStatusName(0xc0001234)).toBe('0xC0001234');
    expect([ntSuccess(0), ntSuccess(0x103), ntSuccess(0x7fffffff), ntSuccess(0x80000000), ntSuccess(-1)])
      .toEqual([true, true, true, false, false]);
    expect([ntError(0xbfffffff), ntError(0xc0000000), ntError(-1073741536), ntError(0)]).toEqual([false, true, true, false]);
  });

  it('NtStatusError wants an operation name', () => {
    expect(() => new NtStatusError(NtStatus.STATUS_UNSUCCESSFUL, 42 as never)).toThrow(TypeError);
  });
});

describe('NtStatusError.code', () => {
  it('is the status name, or NTSTATUS_ and the hex form for an unnamed status', () => {
    const named = new NtStatusError(-1073741130, 'sendMessage');   // 0xC00002B6
    expect(named).toMatchObject({
      status: NtStatus.STATUS_DEVICE_REMOVED, statusName: 'STATUS_DEVICE_REMOVED', code: 'STATUS_DEVICE_REMOVED', operation: 'sendMessage',
    });
    expect(named.message).toBe('sendMessage failed: STATUS_DEVICE_REMOVED (0xC00002B6)');
    const unnamed = new NtStatusError(0xc0001234, 'ioControl');
    expect(unnamed).toMatchObject({ statusName: '0xC0001234', code: 'NTSTATUS_0xC0001234' });
    // Every status the library names has its name as its code.
    for (const [name, value] of Object.entries(NtStatus)) {
      if (ntStatusName(value) === name) expect(new NtStatusError(value, 'x').code).toBe(name);
    }
  });
});

describe('errors from the device carry their codes', () => {
  let device: MiracastDevice;
  let context: MiracastContext;
  beforeAll(async () => {
    device = await openDevice();
    context = await device.createContext();
  });
  afterAll(async () => {
    await context?.destroy();
    await device?.close();
  });

  it('a driver failure: NtStatusError with status, name, operation and code', async () => {
    // No agent and no responder: the send fails at once.
    const error = await context.sendMessage(Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NtStatusError);
    expect(error).toMatchObject({
      status: NtStatus.STATUS_DEVICE_REMOVED, statusName: 'STATUS_DEVICE_REMOVED', code: 'STATUS_DEVICE_REMOVED', operation: 'sendMessage',
    });
    const unknown = await device.createContext().catch((e: unknown) => e);   // the one target is taken
    expect(unknown).toMatchObject({ code: 'STATUS_RESOURCE_IN_USE', operation: 'createContext' });
  });

  it.each([
    ['sendMessage input of the wrong type', () => context.sendMessage('text' as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['sendMessage input over the limit', () => context.sendMessage(Buffer.alloc(device.constants.limits.maxMessageBytes + 1)), RangeError, 'ERR_OUT_OF_RANGE'],
    ['sendMessage options.outputSize a fraction', () => context.sendMessage(Buffer.alloc(1), { outputSize: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['sendMessage options.signal not a signal', () => context.sendMessage(Buffer.alloc(1), { signal: {} as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['sendMessage options.timeoutMs 0', () => context.sendMessage(Buffer.alloc(1), { timeoutMs: 0 }), RangeError, 'ERR_OUT_OF_RANGE'],
    ['ioControl options not an object', () => context.ioControl(Buffer.alloc(1), 7 as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['miniport.echo data not bytes', () => context.miniport.echo('x' as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['openDevice path not a string', () => openDevice({ path: 1 as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['configureResponder status a string', () => device.configureResponder({ status: 'ok' as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['attachAgent handler not a function', () => device.attachAgent(null as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['injectFault of an unknown kind', () => device.injectFault({ kind: 'meteor', count: 1 } as never), TypeError, 'ERR_INVALID_ARG_VALUE'],
    ['injectFault with no scope', () => device.injectFault({ kind: 'lockBypass' }), RangeError, 'ERR_INVALID_ARG_VALUE'],
    ['injectFault sendFail with a success status', () => device.injectFault({ kind: 'sendFail', status: 0, count: 1 }), RangeError, 'ERR_INVALID_ARG_VALUE'],
    ['trace options.max 0', () => device.trace({ max: 0 }), RangeError, 'ERR_OUT_OF_RANGE'],
  ])('an argument error: %s', async (_label, call, type, code) => {
    const error = await Promise.resolve().then(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code });
  });

  it('an operation on a closed device: DeviceClosedError, ERR_DEVICE_CLOSED', async () => {
    const closed = await openDevice();
    await closed.close();
    const error = await closed.stats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceClosedError);
    expect(error).toMatchObject({ code: 'ERR_DEVICE_CLOSED' });
  });
});
