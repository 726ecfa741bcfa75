// The host against other builds of the test miniport (driver/miniport/test/mp_variants.h), each
// loaded into the lane's service for its test and the default put back after: registration and
// start in dxgkrnl's order, the child-relations and TargetId rules the OS checks, the services the
// host does not provide, and the pool tracker catching a leak, a double free and a write after
// free. Valid in both lanes (on Windows the images must be test-signed and the tests elevated).
import { describe, expect, it } from 'vitest';
import { NtStatus, contract, isIdle, openDevice, type MiracastDevice } from '../dist/index.js';
import { expectIdle, waitFor } from './helpers';
import { defaultHarness, loadHarness, readServiceValue, withHarness } from './lane-driver';

/** Opens the device of the harness just loaded, runs `body`, closes it. */
async function withDevice<T>(body: (device: MiracastDevice) => Promise<T>): Promise<T> {
  const device = await openDevice();
  try {
    return await body(device);
  } finally {
    await device.close();
  }
}

describe('registration and start', () => {
  it('the test miniport registers through DxgkInitialize and comes up in dxgkrnl\'s order; stop undid it in order', async () => {
    await withHarness(defaultHarness, async (started) => {
      expect(started).toBe(true);
      // The instance stopped to load this one went down in dxgkrnl's order.
      expect(await readServiceValue('AdapterStopOrder')).toBe('StopDevice,RemoveDevice,Unload');
      await withDevice(async (device) => {
        const { events } = await device.trace({ since: 1 });
        const steps = events.filter((e) => e.kind === 'adapter' || e.kind === 'ddiEnter').map((e) =>
          e.kind === 'adapter' ? `${e.step} ${e.statusName} ${e.arg0} ${e.arg1}` : e.kind === 'ddiEnter' ? `ddi ${e.ddi}` : '');
        const caps = await device.queryCaps();
        expect(steps).toEqual([
          'initialize STATUS_SUCCESS 16386 0',                                     // Version 0x4002
          'addDevice STATUS_SUCCESS 0 0',
          'startDevice STATUS_SUCCESS 1 2',                                         // sources, children
          `queryChildRelations STATUS_SUCCESS 1 ${contract.miniport.firstTargetId}`, // one Miracast child
          `queryChildStatus STATUS_SUCCESS 0 ${contract.miniport.firstTargetId}`,    // disconnected
          'queryMiracastInterface STATUS_SUCCESS 64 1',                             // Size, Version
          'queryTestHooks STATUS_SUCCESS 64 1',
          'ddi queryCaps',
          `queryCaps STATUS_SUCCESS ${caps.maxChunkPrivateDriverDataSize} ${caps.flags}`,
        ]);
        expect(await readServiceValue('AdapterStartStep')).toBe(0);
      });
    });
  });

  it('children that break the Miracast rules fail the adapter start; the host records where and undoes it', async () => {
    const cases = [
      ['MiracastHilTwoMiracast', 'more than one Miracast target', 'QUERY_CHILD_RELATIONS'],
      ['MiracastHilNoMiracast', 'no Miracast target', 'QUERY_CHILD_RELATIONS'],
      ['MiracastHilHpdPolled', 'a Miracast target that is not HpdAwarenessInterruptible', 'QUERY_CHILD_RELATIONS'],
      ['MiracastHilConnectedAtStart', 'a Miracast target connected before any session', 'QUERY_CHILD_STATUS'],
    ] as const;
    try {
      for (const [image, what, step] of cases) {
        expect(await loadHarness(image), `${what}: the driver started`).toBe(false);
        expect(await readServiceValue('AdapterStartStep'), what).toBe(contract.adapterSteps[step]);
        expect(await readServiceValue('AdapterStartStatus'), what).toBe(contract.statuses.BAD_CHILDREN);
        expect(await readServiceValue('AdapterStopOrder'), what).toBe('StopDevice,RemoveDevice,Unload');
      }
    } finally {
      expect(await loadHarness(defaultHarness)).toBe(true);
    }
  });

  it('a TargetId that is not the Miracast child fails CreateContext, and the host destroys the context [OBS]', async () => {
    await withHarness('MiracastHilWrongTarget', async (started) => {
      expect(started).toBe(true);
      await withDevice(async (device) => {
        const before = await device.stats();
        const mark = await device.traceMark();
        await expect(device.createContext()).rejects.toMatchObject({
          operation: 'createContext', status: contract.statuses.BAD_TARGET,
        });
        const ddis = (await device.trace({ since: mark })).events
          .filter((e) => e.kind === 'ddiExit')
          .map((e) => (e.kind === 'ddiExit' ? `${e.ddi} ${e.statusName} ${e.result}` : ''));
        expect(ddis).toEqual([`createContext STATUS_SUCCESS ${contract.miniport.firstTargetId + 1}`, 'destroyContext STATUS_SUCCESS 0']);
        expect(await device.miniportState()).toMatchObject({ contextsCreated: 1, contextsDestroyed: 1, contextsLive: 0 });
        // Two breaches: the TargetId, and the departure DestroyContext indicated for that same wrong child.
        expect((await device.stats()).contractViolations - before.contractViolations).toBe(2);
        expect((await device.trace({ since: mark })).events.filter((e) => e.kind === 'hpd'))
          .toMatchObject([{ connected: false, childUid: contract.miniport.firstTargetId + 1, status: contract.statuses.BAD_CHILD_STATUS }]);
        await expectIdle(device);
      });
    });
  });
});

describe('services the host does not provide', () => {
  it('answer STATUS_NOT_SUPPORTED, are counted by name and traced; the miniport carries on', async () => {
    await withHarness('MiracastHilAsksServices', async (started) => {
      expect(started).toBe(true);
      await withDevice(async (device) => {
        const adapter = await device.adapter();
        const asked = Object.entries(adapter.serviceCalls).filter(([service, calls]) =>
          calls !== 0 && !['DxgkCbIndicateChildStatus', 'DxgkCbQueueDpc', 'DxgkCbNotifyInterrupt', 'DxgkCbNotifyDpc'].includes(service));
        expect(asked).toEqual([['DxgkCbGetDeviceInformation', 1], ['DxgkCbQueryServices', 1]]);
        expect((await device.stats()).unsupportedServiceCalls).toBe(2);
        const services = (await device.trace({ since: 1 })).events.filter((e) => e.kind === 'service');
        expect(services).toMatchObject([
          { service: 'DxgkCbGetDeviceInformation', status: NtStatus.STATUS_NOT_SUPPORTED },
          { service: 'DxgkCbQueryServices', status: NtStatus.STATUS_NOT_SUPPORTED },
        ]);
        const context = await device.createContext();
        await context.destroy();
      });
    });
  });
});

describe('the pool tracker', () => {
  it('counts the test miniport\'s blocks per tag and finds nothing wrong in it', async () => {
    await withDevice(async (device) => {
      const before = await device.pool();
      expect(before.tags.find((t) => t.tag === 'MPad')).toMatchObject({ outstanding: 1 });
      await device.configureResponder({ enabled: true });
      const context = await device.createContext();
      try {
        expect((await device.pool()).tags.find((t) => t.tag === 'MPcx')?.outstanding).toBe(
          (before.tags.find((t) => t.tag === 'MPcx')?.outstanding ?? 0) + 1);
        await context.sendMessage(Buffer.from('block'), { outputSize: 5 });
      } finally {
        await context.destroy();
        await device.configureResponder({ enabled: false });
      }
      const after = await device.pool({ flush: true });
      const blocks = (report: typeof after) => report.tags.find((t) => t.tag === 'MPbk') ?? { outstanding: 0, total: 0 };
      expect(blocks(after).total - blocks(before).total).toBe(1);
      expect(blocks(after).outstanding).toBe(0);
      expect(after.findings).toEqual([]);
      await expectIdle(device);
    });
  });

  it('a leak: the context DestroyContext forgot stays counted under its tag, the driver is not idle, unload reports it', async () => {
    await withHarness('MiracastHilLeak', async (started) => {
      expect(started).toBe(true);
      await withDevice(async (device) => {
        const context = await device.createContext();
        await context.destroy();
        const stats = await device.stats();
        expect(stats.miniportPoolOutstanding - stats.miniportPoolAtStart).toBe(1);
        expect(isIdle(stats)).toBe(false);
        expect((await device.pool()).tags.find((t) => t.tag === 'MPcx')).toMatchObject({ outstanding: 1, total: 1 });
      });
    });
    // The leaked block was reported (and freed) when the adapter was removed.
    expect(await readServiceValue('UnloadPoolFindings')).toBe(1);
  });

  it('a double free is found, named, and not passed on to the system', async () => {
    await withHarness('MiracastHilDoubleFree', async (started) => {
      expect(started).toBe(true);
      await withDevice(async (device) => {
        const mark = await device.traceMark();
        const context = await device.createContext();
        await context.destroy();
        const { findings } = await device.pool();
        expect(findings).toMatchObject([{ kind: 'doubleFree', tag: 'MPcx', description: expect.stringContaining('freed twice') }]);
        expect(findings[0].size).toBeGreaterThan(0);
        expect(findings[0].allocation).toBeGreaterThan(0);
        expect((await device.stats()).poolFindings).toBe(1);
        expect((await device.trace({ since: mark })).events.filter((e) => e.kind === 'pool'))
          .toMatchObject([{ finding: 'doubleFree' }]);
        // The driver is whole: the block went back to the system once.
        expect((await device.queryCaps()).hdcpSupport).toBe(true);
      });
    });
  });

  it('a bad request, a free of a pointer never handed out and a free with the wrong tag are each found', async () => {
    await withHarness('MiracastHilPoolMisuse', async (started) => {
      expect(started).toBe(true);
      await withDevice(async (device) => {
        const context = await device.createContext();
        await context.destroy();
        const { findings } = await device.pool();
        expect(findings.map((f) => `${f.kind} ${f.tag}`)).toEqual(['badRequest MPcx', 'unknownPointer ????', 'tagMismatch MPcx']);
        // A tag mismatch reports the tag that was passed.
        expect(findings[2].offset).toBe(Buffer.from('MPbk').readUInt32LE(0));
        expect((await device.stats()).poolFindings).toBe(3);
      });
    });
  });

  it('a write after free is found when the block leaves the quarantine, with the offset of the first changed byte', async () => {
    await withHarness('MiracastHilWriteAfterFree', async (started) => {
      expect(started).toBe(true);
      await withDevice(async (device) => {
        const context = await device.createContext();
        await context.destroy();
        expect((await device.pool()).findings).toEqual([]);      // still in quarantine: not checked yet
        const { findings } = await device.pool({ flush: true });
        expect(findings).toMatchObject([{ kind: 'writeAfterFree', tag: 'MPcx' }]);
        expect(findings[0].offset).toBeLessThan(findings[0].size);
        expect((await device.stats()).poolFindings).toBe(1);
      });
    });
  });

  it('a freed block stays quarantined while 15 more blocks are freed, and is checked as the 16th pushes it out', async () => {
    // README: "freed blocks are filled with a pattern and held in a quarantine of 16".
    await withHarness('MiracastHilWriteAfterFree', async (started) => {
      expect(started).toBe(true);
      await withDevice(async (device) => {
        const scribbled = await device.createContext();
        await scribbled.destroy();                  // its block: freed, written to, quarantined
        await device.configureResponder({ enabled: true });
        const context = await device.createContext();
        const freedBlocks = async () => (await device.pool()).tags.find((t) => t.tag === 'MPbk') ?? { total: 0, outstanding: 0 };
        // Each message's block (MPbk) is freed once its callback and its sender let go of it.
        const send = async (n: number) => {
          await context.sendMessage(Buffer.from('q'), { outputSize: 1 });
          await waitFor(freedBlocks, (b) => b.total === n && b.outstanding === 0, 10_000, `message block ${n} freed`);
        };
        try {
          for (let n = 1; n <= 15; n++) await send(n);
          expect((await device.pool()).findings, 'after 15 more frees').toEqual([]);
          await send(16);
          expect((await device.pool()).findings, 'after the 16th').toMatchObject([{ kind: 'writeAfterFree', tag: 'MPcx' }]);
        } finally {
          await context.destroy();
          await device.configureResponder({ enabled: false });
        }
      });
    });
  });
});
