// openDevice and the device-level operations. Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { openDevice, NtStatusError, NtStatus, DeviceClosedError, contract, type MiracastDevice } from '../dist/index.js';
import { expectIdle, useDevice, waitFor } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

describe('openDevice', () => {
  it('opens \\\\.\\MiracastHil by default and reports the contract', async () => {
    const info = await device.info();
    expect(device.path).toBe('\\\\.\\MiracastHil');
    expect(info.contractVersion).toBe(contract.contractVersion);
    expect(info.statsSize).toBe(8 * contract.statsFields.length);
  });

  it('rejects a path with no device with an NtStatusError carrying the NTSTATUS', async () => {
    const error = await openDevice({ path: '\\\\.\\NoSuchMiracastDevice' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NtStatusError);
    expect(error).toMatchObject({ operation: 'openDevice', status: NtStatus.STATUS_OBJECT_NAME_NOT_FOUND, win32: 2 });
  });

  it('rejects a sub-open of the device', async () => {
    const error = await openDevice({ path: '\\\\.\\MiracastHil\\junk' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NtStatusError);
  });

  it.each([
    ['a number as options', 5, TypeError],
    ['a number as path', { path: 5 }, TypeError],
  ])('rejects %s with %s', async (_label, options, type) => {
    await expect(openDevice(options as never)).rejects.toBeInstanceOf(type);
  });
});

describe('device operations', () => {
  it('echo returns its bytes through the control layer, up to exactly the limit', async () => {
    const data = Buffer.from('miracast-hil echo');
    expect(await device.echo(data)).toEqual(data);
    expect(await device.echo(new Uint8Array(0))).toEqual(Buffer.alloc(0));
    const largest = Buffer.alloc(contract.limits.maxEchoBytes, 0x3c);
    largest.writeUInt32LE(0xc0ffee, largest.length - 4);
    expect((await device.echo(largest)).equals(largest)).toBe(true);
    await expect(device.echo(Buffer.alloc(contract.limits.maxEchoBytes + 1))).rejects.toBeInstanceOf(RangeError);
    await expect(device.echo('text' as never)).rejects.toBeInstanceOf(TypeError);
  });

  it('queryCaps returns the miniport caps; a short MiracastCapsSize fails as the DDI requires', async () => {
    expect(await device.queryCaps()).toEqual({ maxChunkPrivateDriverDataSize: 256, hdcpSupport: true, flags: 1 });
    await expect(device.queryCaps({ capsSize: 4 })).rejects.toMatchObject({
      name: 'NtStatusError', status: NtStatus.STATUS_INVALID_PARAMETER, operation: 'queryCaps',
    });
    await expect(device.queryCaps({ capsSize: -1 })).rejects.toBeInstanceOf(RangeError);
  });

  it('stats counts open handles', async () => {
    const before = await device.stats();
    const second = await openDevice();
    try {
      const during = await device.stats();
      expect(during.handlesOpen - before.handlesOpen).toBe(1);
      expect(during.fileContexts).toBe(during.handlesOpen);
    } finally {
      await second.close();
    }
    // The handle's count drops at close; its file context is freed just after: wait for both.
    const after = await waitFor(() => device.stats(), (s) => s.handlesOpen === before.handlesOpen && s.fileContexts === before.fileContexts,
      5000, 'the handle to close and its file context to go');
    expect(after.fileContexts).toBe(before.fileContexts);
  });

  it.each([
    ['no options', undefined, TypeError],
    ['a non-boolean enabled', { enabled: 'yes' }, TypeError],
    ['a delay over the limit', { delayMs: contract.limits.maxResponderDelayMs + 1 }, RangeError],
    ['a fractional delay', { delayMs: 1.5 }, RangeError],
    ['a status out of 32 bits', { status: 2 ** 32 }, RangeError],
  ])('configureResponder rejects %s', async (_label, options, type) => {
    await expect(device.configureResponder(options as never)).rejects.toBeInstanceOf(type);
  });

  it('configureMiniport refuses 0 targets and changes while a context is live', async () => {
    await expect(device.configureMiniport({ targetCount: 0 })).rejects.toBeInstanceOf(RangeError);
    await using _context = await device.createContext();
    await expect(device.configureMiniport({ targetCount: 2 })).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_DEVICE_STATE });
  });
});

describe('close', () => {
  it('is idempotent, and operations after it throw DeviceClosedError', async () => {
    const second = await openDevice();
    await Promise.all([second.close(), second.close()]);
    await second.close();
    expect(second.closed).toBe(true);
    await expect(second.stats()).rejects.toBeInstanceOf(DeviceClosedError);
    await expect(second.createContext()).rejects.toBeInstanceOf(DeviceClosedError);
  });

  it('await using closes the device', async () => {
    let inner: MiracastDevice | undefined;
    {
      await using scoped = await openDevice();
      inner = scoped;
      await scoped.createContext();
    }
    expect(inner.closed).toBe(true);
    await expectIdle(device);
  });
});
