// The encoder's side of a session: the test miniport's ISR reports chunks with
// DxgkCbNotifyInterrupt (MiracastEncodeChunkCompleted) and its DPC calls DxgkCbNotifyDpc; the host
// keeps them on the session's chunk list ([OBS] 20 entries, growing by 5 to 40) and the agent reads
// them as GetNextChunkData does. Valid in both lanes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NtStatus, contract, openDevice, type Chunk, type MiracastAgent, type MiracastContext, type MiracastDevice,
} from '../dist/index.js';
import { useDevice, waitFor } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

let agentDevice: MiracastDevice;
let agent: MiracastAgent;
let context: MiracastContext;

beforeEach(async () => {
  agentDevice = await openDevice();
  // An automatic-session agent: the context's session starts when it is created.
  agent = await agentDevice.attachAgent(() => ({ status: 0 }));
  context = await device.createContext();
});

afterEach(async () => {
  try {
    if (!context.destroyed) await context.destroy();
  } finally {
    await agent.detach();
    await agentDevice.close();
  }
});

/** Waits until the miniport's DPC has run `count` more times than `before` (the host runs it on its own thread). */
async function dpcsAfter(before: number, count: number): Promise<void> {
  await waitFor(() => device.stats(), (s) => s.dpcsRun >= before + count, 10_000, `${count} DPC(s)`);
}

/** Reads until `count` chunks came (each read waits for the next DPC). */
async function readAll(count: number): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  while (chunks.length < count) {
    const read = await context.readChunks({ waitMs: 5000 });
    expect(read.statusName, `read after ${chunks.length} chunks`).toBe('STATUS_SUCCESS');
    chunks.push(...read.chunks);
  }
  return chunks;
}

describe('a chunk stream', () => {
  it('arrives as the encoder reported it: FRAME_START, COLOR_CONVERT_COMPLETE, slices with the last as part 0', async () => {
    const mark = await device.traceMark();
    const report = await context.reportChunks({ frames: 2, slicesPerFrame: 3, privateDataSize: 16 });
    expect(report).toEqual({ reported: 10, queued: 10, firstError: 0 });
    const chunks = await readAll(10);
    expect(chunks.map((c) => `${c.frameNumber}:${c.chunkTypeName}:${c.partNumber}`)).toEqual([
      '0:FRAME_START:4', '0:COLOR_CONVERT_COMPLETE:3', '0:ENCODE_COMPLETE:2', '0:ENCODE_COMPLETE:1', '0:ENCODE_COMPLETE:0',
      '1:FRAME_START:4', '1:COLOR_CONVERT_COMPLETE:3', '1:ENCODE_COMPLETE:2', '1:ENCODE_COMPLETE:1', '1:ENCODE_COMPLETE:0',
    ]);
    // The private driver data travels byte for byte (the encoder fills frame * 7 + part * 13 + i).
    for (const chunk of chunks) {
      const expected = chunk.chunkTypeName === 'ENCODE_COMPLETE'
        ? Buffer.from(Array.from({ length: 16 }, (_, i) => (chunk.frameNumber * 7 + chunk.partNumber * 13 + i) & 0xff))
        : Buffer.alloc(0);
      expect(chunk.privateData, `${chunk.frameNumber}:${chunk.partNumber}`).toEqual(expected);
    }
    const { events } = await device.trace({ since: mark });
    const interrupts = events.filter((e) => e.kind === 'interrupt');
    expect(interrupts).toHaveLength(10);
    expect(interrupts.every((e) => e.status === NtStatus.STATUS_SUCCESS && e.contextId === context.id)).toBe(true);
    expect(interrupts.map((e) => (e.kind === 'interrupt' ? `${e.frameNumber}:${e.partNumber}:${e.privateDataSize}` : '')))
      .toEqual(['0:4:0', '0:3:0', '0:2:16', '0:1:16', '0:0:16', '1:4:0', '1:3:0', '1:2:16', '1:1:16', '1:0:16']);
    const published = events.reduce((n, e) => n + (e.kind === 'dpc' ? e.published : 0), 0);
    expect(published).toBe(10);
    const reads = events.filter((e) => e.kind === 'chunkRead' && e.status === NtStatus.STATUS_SUCCESS);
    expect(reads.reduce((n, e) => n + (e.kind === 'chunkRead' ? e.packets : 0), 0)).toBe(10);
    expect((await context.readChunks({ waitMs: 0 })).statusName).toBe('STATUS_TIMEOUT');
  });

  it('a buffer that cannot hold the next packet: STATUS_BUFFER_TOO_SMALL with its size; exactly its size reads it', async () => {
    const dpcs = (await device.stats()).dpcsRun;
    await context.reportChunks({ frames: 1, slicesPerFrame: 1, privateDataSize: 100 });
    await dpcsAfter(dpcs, 1);
    const header = contract.limits.chunkPacketHeader;
    const short = await context.readChunks({ waitMs: 0, bufferSize: header - 1 });
    expect(short).toMatchObject({ statusName: 'STATUS_BUFFER_TOO_SMALL', bytesWritten: header, chunks: [] });
    const exact = await context.readChunks({ waitMs: 0, bufferSize: header });
    expect(exact).toMatchObject({ statusName: 'STATUS_SUCCESS', bytesWritten: header, outstanding: 2 });
    expect(exact.chunks.map((c) => c.chunkTypeName)).toEqual(['FRAME_START']);
    // Two packets fit in the room of two: the next one (COLOR_CONVERT, no data) and not the slice.
    const two = await context.readChunks({ waitMs: 0, bufferSize: header + header + 99 });
    expect(two).toMatchObject({ statusName: 'STATUS_SUCCESS', bytesWritten: header, outstanding: 1 });
    const slice = await context.readChunks({ waitMs: 0, bufferSize: header + 100 });
    expect(slice).toMatchObject({ statusName: 'STATUS_SUCCESS', bytesWritten: header + 100, outstanding: 0 });
  });

  it('with nothing reported the read times out; one reader at a time; a cancelled reader leaves none behind', async () => {
    expect((await context.readChunks({ waitMs: 50 })).statusName).toBe('STATUS_TIMEOUT');
    const controller = new AbortController();
    const first = context.readChunks({ signal: controller.signal }).catch((e: unknown) => e);
    await waitFor(() => device.stats(), (s) => s.chunkReadsPending === 1, 5000, 'the read pending');
    await expect(context.readChunks({ waitMs: 0 })).rejects.toMatchObject({ status: contract.statuses.READER_BUSY });
    controller.abort();
    expect(await first).toMatchObject({ name: 'AbortError' });
    expect((await context.readChunks({ waitMs: 0 })).statusName).toBe('STATUS_TIMEOUT');
  });

  it('the agent may read the session too, another handle may not', async () => {
    await context.reportChunks({ frames: 1 });
    const { MiracastContext } = await import('../dist/index.js');
    const asAgent = new MiracastContext(agentDevice, context.id, context.targetId);
    const read = await waitFor(() => asAgent.readChunks({ waitMs: 1000 }), (r) => r.chunks.length > 0, 5000, 'a chunk');
    expect(read.chunks[0].chunkTypeName).toBe('FRAME_START');
    const other = await openDevice();
    try {
      const foreign = new MiracastContext(other, context.id, context.targetId);
      await expect(foreign.readChunks({ waitMs: 0 })).rejects.toMatchObject({ status: contract.statuses.NOT_OWNER });
    } finally {
      await other.close();
    }
  });
});

describe('the chunk list', () => {
  it('starts with 20 entries and grows by 5 at the DPC up to 40; the 41st chunk overflows, the pending ones go, one read says so', async () => {
    const reports = [];
    const dpcs = [];
    // One frame of 5 chunks at a time, each made readable by its DPC before the next, none read.
    for (let frame = 0; frame < 9; frame++) {
      const mark = await device.traceMark();
      const ran = (await device.stats()).dpcsRun;
      reports.push(await context.reportChunks({ frames: 1, slicesPerFrame: 3 }));
      await dpcsAfter(ran, 1);
      const [dpc] = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'dpc');
      dpcs.push(dpc?.kind === 'dpc' ? `${dpc.published}${dpc.grew ? ' grew' : ''}${dpc.reset ? ' reset' : ''}` : 'none');
    }
    expect(reports.slice(0, 8).every((r) => r.queued === 5 && r.firstError === 0), JSON.stringify(reports)).toBe(true);
    expect(reports[8]).toEqual({ reported: 5, queued: 0, firstError: NtStatus.STATUS_NO_MEMORY });
    // [OBS] 20 entries: the DPC that leaves fewer than 5 free grows the list by 5, up to 40. So the
    // 4th to 7th frames' DPCs grow it (20, 25, 30, 35 entries in use), the 8th fills it, the 9th
    // overflows: its DPC drops every pending chunk.
    expect(dpcs).toEqual(['5', '5', '5', '5 grew', '5 grew', '5 grew', '5 grew', '5', '0 reset']);
    expect(contract.limits).toMatchObject({ chunkListInitial: 20, chunkListGrowth: 5, chunkListMax: 40 });
    const before = await device.stats();
    expect(await context.readChunks({ waitMs: 0 })).toMatchObject({ statusName: 'STATUS_CONNECTION_RESET', chunks: [] });
    expect(await context.readChunks({ waitMs: 0 })).toMatchObject({ statusName: 'STATUS_TIMEOUT', chunks: [] });
    expect((await device.stats()).chunkResets - before.chunkResets).toBe(1);
    // The list keeps its 40 entries: 40 more chunks fit again, and read back whole.
    await context.reportChunks({ frames: 8, slicesPerFrame: 3 });
    expect((await readAll(40)).length).toBe(40);
  });

  it('a pending read is woken by the reset', async () => {
    const pending = context.readChunks({ waitMs: 10_000 });
    await waitFor(() => device.stats(), (s) => s.chunkReadsPending === 1, 5000, 'the read pending');
    // No DPC yet: 25 interrupts for the 20 entries the list starts with, so the last 5 overflow.
    const staged = await context.reportChunks({ frames: 5, slicesPerFrame: 3, misreport: 'noDpc' });
    expect(staged).toEqual({ reported: 25, queued: 20, firstError: NtStatus.STATUS_NO_MEMORY });
    expect((await device.stats()).chunkReadsPending).toBe(1);
    // The next frame's DPC drops every pending chunk and wakes the reader with the loss.
    await context.reportChunks({ frames: 1 });
    expect(await pending).toMatchObject({ statusName: 'STATUS_CONNECTION_RESET', chunks: [] });
  });
});

describe('misreports stop the session at the DPC', () => {
  it.each([
    ['for another target', 'wrongTarget'],
    ['with more private data than MaxChunkPrivateDriverDataSize', 'oversize'],
  ] as const)('a chunk %s gets STATUS_INVALID_PARAMETER and the session stops', async (_label, misreport) => {
    const mark = await device.traceMark();
    const dpcs = (await device.stats()).dpcsRun;
    const report = await context.reportChunks({ frames: 1, slicesPerFrame: 2, misreport });
    expect(report.firstError).toBe(NtStatus.STATUS_INVALID_PARAMETER);
    expect(report.queued).toBe(report.reported - 1);
    await dpcsAfter(dpcs, 1);
    const { events } = await device.trace({ since: mark });
    expect(events.filter((e) => e.kind === 'dpc' && e.stopped)).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'session' && e.contextId === context.id))
      .toMatchObject([{ action: 'stop', status: contract.statuses.BAD_CHUNK }]);
    // The session is over: its chunks are gone and its messages are dropped.
    expect(await context.readChunks({ waitMs: 0 })).toMatchObject({ statusName: 'STATUS_INSTANCE_NOT_AVAILABLE', chunks: [] });
    expect(await context.sendMessage(Buffer.from('after'))).toMatchObject({ status: contract.statuses.SESSION_DROPPED });
  });

  it('without the DPC the chunks never become readable', async () => {
    const report = await context.reportChunks({ frames: 1, misreport: 'noDpc' });
    expect(report).toEqual({ reported: 3, queued: 3, firstError: 0 });
    expect((await context.readChunks({ waitMs: 100 })).statusName).toBe('STATUS_TIMEOUT');
  });
});

describe('a session that is gone', () => {
  it('a pending read completes with STATUS_INSTANCE_NOT_AVAILABLE at DestroyContext, and later reads too', async () => {
    const pending = context.readChunks();
    await waitFor(() => device.stats(), (s) => s.chunkReadsPending === 1, 5000, 'the read pending');
    await context.destroy();
    expect(await pending).toMatchObject({ statusName: 'STATUS_INSTANCE_NOT_AVAILABLE', chunks: [] });
    expect(await context.readChunks({ waitMs: 0 })).toMatchObject({ statusName: 'STATUS_INSTANCE_NOT_AVAILABLE' });
  });

  it('a stopped session reads STATUS_INSTANCE_NOT_AVAILABLE; a read already waiting is not ended by the stop', async () => {
    // [OBS] GetNextChunkData checks the session's state on entry; the UMD ends a wait at Stop
    // with its own additional event. So a waiting read ends at its timeout, not at the stop (and
    // then finds the session gone).
    const waitMs = 1500;
    const started = performance.now();
    const pending = context.readChunks({ waitMs }).then((r) => r, (e: unknown) => e);
    await waitFor(() => device.stats(), (s) => s.chunkReadsPending === 1, 5000, 'the read pending');
    await agent.stopSession(context);
    expect(await pending).toMatchObject({ statusName: 'STATUS_INSTANCE_NOT_AVAILABLE', chunks: [] });
    // A read the stop had ended would be back long before its timeout (the kernel's interrupt
    // time and the JS clock may differ by a timer tick).
    expect(performance.now() - started).toBeGreaterThanOrEqual(waitMs - 50);
    expect(await context.readChunks({ waitMs: 0 })).toMatchObject({ statusName: 'STATUS_INSTANCE_NOT_AVAILABLE' });
  });

  it('a session not started yet is not gone: the UMD reads from inside StartMiracastSession, before the start', async () => {
    await agent.detach();      // a new UMD host: the session goes back to not started
    expect(await context.readChunks({ waitMs: 0 })).toMatchObject({ statusName: 'STATUS_TIMEOUT', chunks: [] });
    expect(await context.reportChunks({ frames: 1 })).toMatchObject({ reported: 3, queued: 3 });
    const read = await context.readChunks({ waitMs: 5000 });
    expect(read.statusName).toBe('STATUS_SUCCESS');
    expect(read.chunks.map((c) => c.chunkTypeName)).toEqual(['FRAME_START', 'COLOR_CONVERT_COMPLETE', 'ENCODE_COMPLETE']);
  });

  it('an unknown context is refused', async () => {
    const { MiracastContext } = await import('../dist/index.js');
    await expect(new MiracastContext(device, 2 ** 40, 0).readChunks({ waitMs: 0 }))
      .rejects.toMatchObject({ status: contract.statuses.UNKNOWN_CONTEXT });
  });
});

describe('arguments', () => {
  it.each([
    ['frames 0', { frames: 0 }, RangeError, 'ERR_OUT_OF_RANGE'],
    ['frames over the limit', { frames: 65 }, RangeError, 'ERR_OUT_OF_RANGE'],
    ['a misreport that does not exist', { frames: 1, misreport: 'late' }, RangeError, 'ERR_INVALID_ARG_VALUE'],
    ['a misreport of the wrong type', { frames: 1, misreport: 3 }, TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['options that are not an object', null, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ])('reportChunks rejects %s', async (_label, options, type, code) => {
    const error = await context.reportChunks(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code });
  });

  it.each([
    ['a negative wait', { waitMs: -1 }, RangeError, 'ERR_OUT_OF_RANGE'],
    ['a buffer over 64 KiB', { bufferSize: 64 * 1024 + 1 }, RangeError, 'ERR_OUT_OF_RANGE'],
    ['a wait that is not a number', { waitMs: '5' }, TypeError, 'ERR_INVALID_ARG_TYPE'],
  ])('readChunks rejects %s', async (_label, options, type, code) => {
    const error = await context.readChunks(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code });
  });

  it('the miniport refuses more private data than its caps (the library cannot know them)', async () => {
    await expect(context.reportChunks({ frames: 1, privateDataSize: contract.miniport.capsMaxChunkPrivateData + 1 }))
      .rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_PARAMETER });
  });
});
