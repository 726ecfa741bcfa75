// Contexts and DxgkDdiMiracastIoControl. Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiracastDevice } from '../dist/index.js';
import { useDevice } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

describe('createContext / destroy', () => {
  it('returns the Miracast target; a second live context gets STATUS_RESOURCE_IN_USE; destroy frees the target', async () => {
    await using first = await device.createContext();
    expect(first.targetId).toBe(contract.miniport.firstTargetId);
    await expect(device.createContext()).rejects.toMatchObject({
      name: 'NtStatusError', status: NtStatus.STATUS_RESOURCE_IN_USE, statusName: 'STATUS_RESOURCE_IN_USE', operation: 'createContext',
    });
    await first.destroy();
    expect(first.destroyed).toBe(true);
    await using second = await device.createContext();
    expect(second.id).not.toBe(first.id);
  });

  it('destroy is idempotent; a destroyed context is refused by the driver', async () => {
    const context = await device.createContext();
    await Promise.all([context.destroy(), context.destroy()]);
    await expect(context.ioControl(Buffer.alloc(16))).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_HANDLE });
  });

  it('another handle cannot use or destroy it', async () => {
    await using context = await device.createContext();
    await using other = await openDevice();
    const { MiracastContext } = await import('../dist/index.js');
    const foreign = new MiracastContext(other, context.id, context.targetId);
    await expect(foreign.ioControl(Buffer.alloc(16))).rejects.toMatchObject({ status: NtStatus.STATUS_ACCESS_DENIED });
    await expect(foreign.destroy()).rejects.toMatchObject({ status: NtStatus.STATUS_ACCESS_DENIED });
  });

  it('with more sessions configured, several contexts live at once, all on the one Miracast target', async () => {
    await device.configureMiniport({ targetCount: 3 });
    // The host accepts no TargetId but the Miracast child's [OBS], so every session shares it.
    await using a = await device.createContext();
    await using b = await device.createContext();
    await using c = await device.createContext();
    expect([a, b, c].map((context) => context.targetId)).toEqual([0, 1, 2].map(() => contract.miniport.firstTargetId));
    await expect(device.createContext()).rejects.toMatchObject({ status: NtStatus.STATUS_RESOURCE_IN_USE });
  });

  it('await using destroys the context', async () => {
    {
      await using context = await device.createContext();
      expect(context.destroyed).toBe(false);
    }
    expect((await device.stats()).hostContexts).toBe(0);
  });
});

describe('ioControl', () => {
  it('takes input and output of exactly the size limit; one byte more is a RangeError', async () => {
    await using context = await device.createContext();
    const data = Buffer.alloc(contract.limits.maxIoControlBytes - contract.miniport.headerSize, 0x42);
    data.writeUInt32LE(0xabcdef01, data.length - 4);
    expect((await context.miniport.echo(data)).equals(data)).toBe(true);   // header + data: the whole input limit
    const small = Buffer.alloc(contract.miniport.headerSize + 3);
    small.writeUInt32LE(contract.miniport.commands.ECHO, 0);
    expect(await context.ioControl(small, { outputSize: contract.limits.maxIoControlBytes })).toEqual(Buffer.alloc(3));
    await expect(context.ioControl(small, { outputSize: contract.limits.maxIoControlBytes + 1 })).rejects.toBeInstanceOf(RangeError);
    await expect(context.miniport.echo(Buffer.alloc(data.length + 1))).rejects.toBeInstanceOf(RangeError);
  });

  it('echo returns its input, at level 2 and with hardwareAccess (level 3)', async () => {
    await using context = await device.createContext();
    const before = await context.miniport.readState();
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    expect(await context.miniport.echo(data)).toEqual(data);
    expect(await context.miniport.echo(data, { hardwareAccess: true })).toEqual(data);
    const state = await context.miniport.readState();
    expect(state.ioControls - before.ioControls).toBe(3);   // the two echoes and this read
    expect(state.classOverlaps).toBe(before.classOverlaps);
  });

  it('the miniport\'s own errors come back as NtStatusError', async () => {
    await using context = await device.createContext();
    await expect(context.ioControl(Buffer.alloc(4))).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_PARAMETER, operation: 'ioControl' });
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32LE(0x7777, 0);
    await expect(context.ioControl(unknown)).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_DEVICE_REQUEST });
    const echo = Buffer.alloc(20);
    echo.writeUInt32LE(contract.miniport.commands.ECHO, 0);
    await expect(context.ioControl(echo, { outputSize: 2 })).rejects.toMatchObject({ status: NtStatus.STATUS_BUFFER_TOO_SMALL });
  });

  it.each([
    ['a string input', 'abc', undefined, TypeError],
    ['input over the limit', Buffer.alloc(contract.limits.maxIoControlBytes + 1), undefined, RangeError],
    ['a negative outputSize', Buffer.alloc(16), { outputSize: -1 }, RangeError],
    ['a non-boolean hardwareAccess', Buffer.alloc(16), { hardwareAccess: 1 }, TypeError],
    ['options that are not an object', Buffer.alloc(16), 7, TypeError],
  ])('rejects %s', async (_label, input, options, type) => {
    await using context = await device.createContext();
    await expect(context.ioControl(input as never, options as never)).rejects.toBeInstanceOf(type);
  });
});

describe('the Miracast-class lock under contention', () => {
  it('DDI calls from several handles that all wait for the lock complete, one at a time', async () => {
    await device.configureMiniport({ targetCount: 3 });
    await using second = await openDevice();
    await using third = await openDevice();
    const handles = [device, second, third];
    const contexts = await Promise.all(handles.map((h) => h.createContext()));
    try {
      const before = await contexts[0].miniport.readState();
      // Each call holds the lock 30 ms; level-3 (hardwareAccess) calls mixed in wait for everything.
      const calls = contexts.flatMap((c, i) => [
        c.miniport.hold(30), c.miniport.hold(30, { hardwareAccess: i === 1 }), c.miniport.echo(Buffer.from([i])),
      ]);
      await Promise.all(calls);
      const state = await contexts[0].miniport.readState();
      expect(state.classOverlaps).toBe(before.classOverlaps);
      expect(state.level3Overlaps).toBe(before.level3Overlaps);
      expect(state.ioControls - before.ioControls).toBe(calls.length + 1);
    } finally {
      await contexts[0].destroy();
    }
  });
});

