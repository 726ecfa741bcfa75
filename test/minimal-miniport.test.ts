// The minimal example miniport (driver/miniport/minimal), hosted: a miniport that knows nothing of
// the harness registers through DxgkInitialize, comes up in dxgkrnl's order, and passes the
// DDI-level checks the test miniport passes (caps, one session on its Miracast target, IoControl,
// DestroyContext with the departure indication). It offers no test hooks, so what needs them
// rejects with NoTestHooksError. Valid in both lanes (on Windows the image must be test-signed).
import { describe, expect, it } from 'vitest';
import { NoTestHooksError, NtStatus, NtStatusError, contract, openDevice, type MiracastDevice } from '../dist/index.js';
import { expectIdle, useDevice } from './helpers';
import { useHarness } from './lane-driver';

/** The minimal miniport's Miracast child (its source: MINIMAL_TARGET_ID). */
const minimalTargetId = 0x10;

useHarness('MiracastHilMinimal');
let device: MiracastDevice;
useDevice((d) => (device = d));

describe('the minimal example miniport', () => {
  it('registered and came up in dxgkrnl\'s order, without test hooks', async () => {
    const { events } = await device.trace({ since: 1 });
    const steps = events.filter((e) => e.kind === 'adapter').map((e) => (e.kind === 'adapter' ? `${e.step} ${e.statusName}` : ''));
    expect(steps).toEqual([
      'initialize STATUS_SUCCESS', 'addDevice STATUS_SUCCESS', 'startDevice STATUS_SUCCESS',
      'queryChildRelations STATUS_SUCCESS', 'queryChildStatus STATUS_SUCCESS', 'queryMiracastInterface STATUS_SUCCESS',
      'queryTestHooks STATUS_NOT_SUPPORTED', 'queryCaps STATUS_SUCCESS',
    ]);
    const adapter = await device.adapter();
    expect(adapter).toMatchObject({
      initVersion: 0x4002, children: 1, miracastChildUid: minimalTargetId, miracastHpdAwareness: 4,
      testHooks: false, dpcRoutine: false, connected: false, miracastInterfaceSize: 64, miracastInterfaceVersion: 1,
    });
    expect(Object.values(adapter.serviceCalls).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('QueryCaps: HDCP, no chunk data; a short MiracastCapsSize is refused', async () => {
    expect(await device.queryCaps()).toMatchObject({ hdcpSupport: true, maxChunkPrivateDriverDataSize: 0 });
    await expect(device.queryCaps({ capsSize: 4 })).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_PARAMETER });
  });

  it('one session on its Miracast target; IoControl echoes; DestroyContext indicates departure', async () => {
    const mark = await device.traceMark();
    const context = await device.createContext();
    try {
      expect(context.targetId).toBe(minimalTargetId);
      await expect(device.createContext()).rejects.toMatchObject({ status: NtStatus.STATUS_RESOURCE_IN_USE });
      const data = Buffer.from('the vendor\'s own payload');
      expect(await context.ioControl(data, { outputSize: data.length })).toEqual(data);
      expect(await context.ioControl(data, { outputSize: 0 }).catch((e: unknown) => e))
        .toMatchObject({ status: NtStatus.STATUS_BUFFER_TOO_SMALL });
    } finally {
      await context.destroy();
    }
    const hpd = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'hpd');
    expect(hpd).toMatchObject([{ connected: false, childUid: minimalTargetId, contextId: context.id, status: NtStatus.STATUS_SUCCESS }]);
    expect((await device.adapter()).connected).toBe(false);
  });

  it('its pool use is tracked by tag and comes back to its level after a session', async () => {
    const before = await device.stats();
    const context = await device.createContext();
    const during = await device.stats();
    await context.destroy();
    expect(during.miniportPoolOutstanding - before.miniportPoolOutstanding).toBe(1);
    const pool = await device.pool();
    expect(pool.tags.find((t) => t.tag === 'MnCx')).toMatchObject({ outstanding: before.miniportPoolOutstanding });
    expect(pool.findings).toEqual([]);
    await expectIdle(device);
  });

  it('what needs the test hooks says the miniport has none', async () => {
    const context = await device.createContext();
    try {
      const attempts: [string, () => Promise<unknown>][] = [
        ['sendMessage', () => context.sendMessage(Buffer.from('x'))],
        ['reportChunks', () => context.reportChunks({ frames: 1 })],
        ['configureMiniport', () => device.configureMiniport({ targetCount: 2 })],
        ['miniportState', () => device.miniportState()],
      ];
      for (const [operation, attempt] of attempts) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error, operation).toBeInstanceOf(NoTestHooksError);
        expect(error, operation).toBeInstanceOf(NtStatusError);
        expect(error, operation).toMatchObject({
          operation, status: NtStatus.STATUS_NOT_SUPPORTED, code: 'ERR_NO_TEST_HOOKS',
          message: expect.stringContaining('offers no test hooks'),
        });
      }
    } finally {
      await context.destroy();
    }
  });

  it('a second handle cannot use or destroy its session (the host\'s rules hold for any miniport)', async () => {
    const context = await device.createContext();
    const other = await openDevice();
    try {
      const { MiracastContext } = await import('../dist/index.js');
      const foreign = new MiracastContext(other, context.id, context.targetId);
      await expect(foreign.ioControl(Buffer.alloc(4))).rejects.toMatchObject({ status: contract.statuses.NOT_OWNER });
    } finally {
      await other.close();
      await context.destroy();
    }
  });
});
