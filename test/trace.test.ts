// The DDI trace (the part the HLK's ETW log plays), and an HLK-style "session connect and
// disconnect" run checked against it cycle by cycle. Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiracastDevice } from '../dist/index.js';
import { expectIdle, traceKinds, useDevice } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

describe('what the trace records', () => {
  it('DDI entries and exits with their key arguments and results', async () => {
    const mark = await device.traceMark();
    await device.queryCaps({ capsSize: 8 });
    const context = await device.createContext();
    await context.miniport.echo(Buffer.alloc(20), { hardwareAccess: true });
    await context.destroy();
    const events = (await device.trace({ since: mark })).events;
    expect(traceKinds(events)).toEqual([
      'enter queryCaps', 'exit queryCaps STATUS_SUCCESS',
      'enter createContext', 'exit createContext STATUS_SUCCESS',
      'enter ioControl', 'exit ioControl STATUS_SUCCESS',
      'enter destroyContext', 'hpd depart', 'exit destroyContext STATUS_SUCCESS',
    ]);
    const [capsEnter, capsExit, , createExit, ioEnter, ioExit] = events;
    expect(capsEnter.arg0).toBe(8);                                     // MiracastCapsSize
    expect(capsExit.arg0).toBe(contract.miniport.capsMaxChunkPrivateData);
    expect(createExit).toMatchObject({ kind: 'ddiExit', result: context.targetId, contextId: context.id });
    expect(ioEnter).toMatchObject({ kind: 'ddiEnter', hardwareAccess: true, arg0: contract.miniport.headerSize + 20 });
    expect(ioExit).toMatchObject({ kind: 'ddiExit', result: 20 });    // BytesReturned
    for (let i = 1; i < events.length; i++) expect(events[i].sequence).toBe(events[i - 1].sequence + 1);
  });

  it('a failing DDI records its status', async () => {
    const mark = await device.traceMark();
    await expect(device.queryCaps({ capsSize: 2 })).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_PARAMETER });
    expect(traceKinds((await device.trace({ since: mark })).events)).toEqual(['enter queryCaps', 'exit queryCaps STATUS_INVALID_PARAMETER']);
  });

  it('hot-plug indications: arrival on IoControl, departure on DestroyContext', async () => {
    const context = await device.createContext();
    const mark = await device.traceMark();
    await context.miniport.monitorArrive();
    await context.destroy();
    const events = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'hpd');
    expect(events).toMatchObject([
      { kind: 'hpd', connected: true, childUid: context.targetId, contextId: context.id },
      { kind: 'hpd', connected: false, childUid: context.targetId, contextId: context.id },
    ]);
  });

  it('DxgkCbReportChunkInfo: private data must be NULL and its size 0, otherwise STATUS_INVALID_PARAMETER', async () => {
    await using context = await device.createContext();
    const before = await context.miniport.readState();
    const mark = await device.traceMark();
    expect(await context.miniport.reportChunk({ chunkType: 2, frameNumber: 7 })).toBe(NtStatus.STATUS_SUCCESS);
    expect(await context.miniport.reportChunk({ chunkType: 3, privateDataSize: 16 })).toBe(NtStatus.STATUS_INVALID_PARAMETER);
    const chunks = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'chunk');
    expect(chunks).toMatchObject([
      { chunkType: 2, privateDataSize: 0, status: NtStatus.STATUS_SUCCESS, contextId: context.id },
      { chunkType: 3, privateDataSize: 16, status: NtStatus.STATUS_INVALID_PARAMETER },
    ]);
    expect((await context.miniport.readState()).chunkReports - before.chunkReports).toBe(2);
  });

  it('agent attach (with its flags, and a refused one with its status) and detach, by call and by handle close', async () => {
    const mark = await device.traceMark();
    {
      await using umd = await openDevice();
      const agent = await umd.attachAgent(() => undefined, { manualSessions: true });
      await expect(device.attachAgent(() => undefined)).rejects.toMatchObject({ status: NtStatus.STATUS_ALREADY_REGISTERED });
      await agent.detach();
      await umd.attachAgent(() => undefined);
    }   // the handle closes with its agent attached
    const events = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'agent');
    const processId = process.pid;   // every handle here belongs to this process
    expect(events).toMatchObject([
      { kind: 'agent', attached: true, flags: 1, statusName: 'STATUS_SUCCESS', processId },
      { kind: 'agent', attached: true, statusName: 'STATUS_ALREADY_REGISTERED', processId },
      { kind: 'agent', attached: false, statusName: 'STATUS_SUCCESS', processId },
      { kind: 'agent', attached: true, flags: 0, statusName: 'STATUS_SUCCESS', processId },
      { kind: 'agent', attached: false, statusName: 'STATUS_SUCCESS', processId },
    ]);
  });

  it('every event kind of the contract, in one session', async () => {
    const mark = await device.traceMark();
    {
      await using umd = await openDevice();
      await using agent = await umd.attachAgent(({ input }) => ({ output: input }), { manualSessions: true });
      await using context = await device.createContext();
      await agent.startSession(context);
      await context.miniport.monitorArrive();
      await context.miniport.reportChunk({ chunkType: 2 });
      // The encode-chunk path: interrupts, the DPC that publishes them, a GetNextChunkData read.
      expect(await context.reportChunks({ frames: 1 })).toMatchObject({ reported: 3, queued: 3 });
      expect((await context.readChunks({ waitMs: 5000 })).statusName).toBe('STATUS_SUCCESS');
      await device.injectFault({ kind: 'callbackStatus', status: NtStatus.STATUS_TIMEOUT, count: 1 });
      expect((await context.sendMessage(Buffer.from('k'), { outputSize: 1 })).status).toBe(NtStatus.STATUS_TIMEOUT);
    }
    const seen = new Set((await device.trace({ since: mark })).events.map((e) => e.kind));
    // DDI_ENTER -> ddiEnter: the contract's names as the library decodes them.
    const all = Object.keys(contract.traceKinds).map((name) => name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    // Kinds no session of the good test miniport makes, each asserted where it happens: the
    // adapter's start and stop (variants, minimal-miniport), a DXGKRNL_INTERFACE service the host
    // does not provide and a pool-tracker finding (variants: the broken builds), a contract
    // violation the host saw (conformance-variants).
    const notInASession = ['adapter', 'service', 'pool', 'violation'];
    expect(notInASession.every((kind) => all.includes(kind)), `${notInASession} are trace kinds`).toBe(true);
    expect([...seen].sort()).toEqual(all.filter((kind) => !notInASession.includes(kind)).sort());
  });

  it('callbacks with their status and who answered', async () => {
    await using context = await device.createContext();
    await device.configureResponder({ enabled: true, status: NtStatus.STATUS_IO_DEVICE_ERROR });
    const mark = await device.traceMark();
    await context.sendMessage(Buffer.from('abc'), { outputSize: 2 });
    const events = (await device.trace({ since: mark })).events;
    expect(events.map((e) => e.kind)).toEqual(['send', 'callback']);
    expect(events[0]).toMatchObject({ kind: 'send', inputSize: 3, outputSize: 2, statusName: 'STATUS_PENDING' });
    expect(events[1]).toMatchObject({ kind: 'callback', answer: 'responder', statusName: 'STATUS_IO_DEVICE_ERROR', information: 2 });
    expect(events[1].messageId).toBe(events[0].messageId);
  });

  it('the ring is bounded and says how much a reader missed', async () => {
    await using context = await device.createContext();
    const mark = await device.traceMark();
    const lostBefore = (await device.stats()).traceEventsLost;
    const calls = Math.ceil(contract.limits.traceCapacity / 2) + 50;   // two events per IoControl
    for (let i = 0; i < calls; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, calls - i) }, () => context.miniport.echo(Buffer.from('t'))));
    }
    const read = await device.trace({ since: mark });
    expect(read.lost).toBeGreaterThan(0);
    expect(read.events.length + read.lost).toBe(read.nextSequence - mark);
    expect(read.events[0].sequence).toBe(mark + read.lost);
    expect((await device.stats()).traceEventsLost).toBeGreaterThan(lostBefore);
    const next = await device.trace({ since: read.nextSequence });
    expect(next.events).toEqual([]);
    expect(next.lost).toBe(0);
  });

  it('rejects bad read options', async () => {
    await expect(device.trace({ since: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(device.trace({ max: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(device.trace(5 as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('HLK-style session connect and disconnect', () => {
  it('many cycles of create, start, messages both ways, stop, destroy: the trace checked each cycle, nothing left', async () => {
    // Counters accumulate across files (another file's watchdog overrun, say): a delta from here.
    const violationsBefore = (await device.stats()).contractViolations;
    await using umd = await openDevice();
    await using agent = await umd.attachAgent(({ input }) => ({ output: Buffer.from(input).reverse() }), { manualSessions: true });
    const cycles = 20;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const mark = await device.traceMark();
      const context = await device.createContext();
      await agent.startSession(context);
      await context.miniport.monitorArrive();                                 // UMD -> KMD: monitor arrived
      const reply = await context.sendMessage(Buffer.from(`frame ${cycle}`), { outputSize: 16 });   // KMD -> UMD
      expect(reply.output.toString()).toBe(`frame ${cycle}`.split('').reverse().join(''));
      await context.miniport.echo(Buffer.from('stats'));                     // UMD -> KMD
      await agent.stopSession(context);
      const late = await context.sendMessage(Buffer.from('after stop'));      // dropped
      expect(late.status).toBe(contract.statuses.SESSION_DROPPED);
      await context.destroy();

      const kinds = traceKinds((await device.trace({ since: mark })).events, context.id);
      expect(kinds, `cycle ${cycle}`).toEqual([
        'enter createContext', 'exit createContext STATUS_SUCCESS',
        'session start STATUS_SUCCESS',
        'enter ioControl', 'hpd arrive', 'exit ioControl STATUS_SUCCESS',
        'send STATUS_PENDING', 'deliver', 'callback agent STATUS_SUCCESS',
        'enter ioControl', 'exit ioControl STATUS_SUCCESS',
        'session stop STATUS_SUCCESS',
        'send STATUS_PENDING', 'callback dropped STATUS_CANCELLED',
        'enter destroyContext', 'hpd depart', 'exit destroyContext STATUS_SUCCESS',
      ]);
    }
    await agent.detach();
    const stats = await expectIdle(device);
    expect(stats.contractViolations - violationsBefore).toBe(0);
  });
});
