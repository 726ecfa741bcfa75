// The adapter as the host brought it up for the test miniport, and the child-status rules it
// checks at run time: DxgkCbIndicateChildStatus takes the real DXGK_CHILD_STATUS
// (StatusMiracastConnection, the Miracast child's uid, Connected, MiracastMonitorType) and the host
// tracks the connection state. Registration order and the start-time rules need other builds of
// the miniport: test/variants.test.ts. Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { NtStatus, contract, type MiracastDevice } from '../dist/index.js';
import { useDevice } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

/** DXGK_CHILD_STATUS_TYPE and D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY values (dispmprt.h, d3dkmdt.h). */
const StatusConnection = 1;
const StatusMiracastConnection = 3;
const D3DKMDT_VOT_MIRACAST = 15;
const HpdAwarenessInterruptible = 4;

describe('the adapter', () => {
  it('registered WDDM 1.3, with one source, two children and the Miracast one as the Miracast target', async () => {
    const adapter = await device.adapter();
    const caps = await device.queryCaps();
    expect(adapter).toMatchObject({
      initVersion: 0x4002, interfaceVersion: 0x4002, videoPresentSources: 1, children: 2,
      miracastChildUid: contract.miniport.firstTargetId, miracastHpdAwareness: HpdAwarenessInterruptible,
      miracastInterfaceSize: 64, miracastInterfaceVersion: 1, testHooks: true, dpcRoutine: true,
      capsMaxChunkPrivateDriverDataSize: caps.maxChunkPrivateDriverDataSize, capsFlags: caps.flags,
    });
    expect(Object.keys(adapter.serviceCalls)).toEqual(contract.dxgkrnlServices);
    // The test miniport asks for no service the host does not provide.
    const provided = ['DxgkCbIndicateChildStatus', 'DxgkCbQueueDpc', 'DxgkCbNotifyInterrupt', 'DxgkCbNotifyDpc'];
    for (const [service, calls] of Object.entries(adapter.serviceCalls)) {
      if (!provided.includes(service)) expect(calls, service).toBe(0);
    }
    expect((await device.stats()).unsupportedServiceCalls).toBe(0);
  });
});

describe('child status', () => {
  it('monitor arrival and departure are tracked as the connection state, and traced', async () => {
    const context = await device.createContext();
    const mark = await device.traceMark();
    try {
      expect((await device.adapter()).connected).toBe(false);
      await context.miniport.monitorArrive();
      expect(await device.adapter()).toMatchObject({ connected: true, monitorType: D3DKMDT_VOT_MIRACAST });
      await context.miniport.monitorDepart();
      expect((await device.adapter()).connected).toBe(false);
    } finally {
      await context.destroy();
    }
    const hpd = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'hpd');
    expect(hpd).toMatchObject([
      { connected: true, childUid: context.targetId, status: NtStatus.STATUS_SUCCESS, contextId: context.id },
      { connected: false, childUid: context.targetId, status: NtStatus.STATUS_SUCCESS, contextId: context.id },
      { connected: false, childUid: context.targetId, status: NtStatus.STATUS_SUCCESS, contextId: context.id },
    ]);
  });

  it.each([
    ['an arrival for another child', StatusMiracastConnection, contract.miniport.localTargetId, true],
    ['a departure for another child', StatusMiracastConnection, contract.miniport.localTargetId, false],
    ['a departure for a child that does not exist', StatusMiracastConnection, 0x7777, false],
    ['an arrival of another status type for the Miracast child', StatusConnection, contract.miniport.firstTargetId, true],
  ])('%s is refused, counted, and changes nothing', async (_label, type, childUid, connected) => {
    const context = await device.createContext();
    try {
      // Connected first, so that a departure that got through would show.
      await context.miniport.monitorArrive();
      const before = { stats: await device.stats(), state: await context.miniport.readState() };
      const mark = await device.traceMark();
      expect(await context.miniport.indicate({ type, childUid, connected })).toBe(contract.statuses.BAD_CHILD_STATUS);
      expect((await device.adapter()).connected).toBe(true);
      expect((await device.stats()).contractViolations - before.stats.contractViolations).toBe(1);
      expect((await context.miniport.readState()).indicationFailures - before.state.indicationFailures).toBe(1);
      expect((await device.trace({ since: mark })).events.filter((e) => e.kind === 'hpd'))
        .toMatchObject([{ connected, childUid, status: contract.statuses.BAD_CHILD_STATUS }]);
    } finally {
      await context.destroy();
    }
  });

  it.each([
    ['options that are not an object', null, TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a connected flag that is not a boolean', { type: StatusMiracastConnection, childUid: 1, connected: 1 }, TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['a negative child uid', { type: StatusMiracastConnection, childUid: -1, connected: true }, RangeError, 'ERR_OUT_OF_RANGE'],
  ])('indicate() rejects %s before anything reaches the driver', async (_label, options, type, code) => {
    const context = await device.createContext();
    try {
      const before = await context.miniport.readState();
      const error = await context.miniport.indicate(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ code });
      expect((await context.miniport.readState()).indicationFailures).toBe(before.indicationFailures);
    } finally {
      await context.destroy();
    }
  });

  it('the miniport\'s state is readable through its test hooks without a context', async () => {
    const state = await device.miniportState();
    const context = await device.createContext();
    try {
      expect((await device.miniportState()).contextsLive).toBe(state.contextsLive + 1);
    } finally {
      await context.destroy();
    }
  });
});
