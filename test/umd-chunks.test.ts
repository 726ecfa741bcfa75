// Chunks end to end: the test miniport's encoder reports chunks through DxgkCbNotifyInterrupt
// (IOCTL_MH_REPORT_CHUNKS), the harness queues them, and the UMD reads them through the host's
// GetNextChunkData (IOCTL_MH_READ_CHUNKS, its additional events waited on in user mode).
//
// Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { NtStatus, openDevice, type UmdHost, type UmdStatistic } from '../dist/index.js';
import { waitFor } from './helpers';
import { useUmdHosts, umdDll, type UmdVariant } from './umd-helpers';

const hosts = useUmdHosts();
let host: UmdHost | undefined;
let statistics: UmdStatistic[];

/** Starts a session and has the miniport's encoder report chunks on it. */
async function session(variant: UmdVariant, frames: number, slicesPerFrame: number): Promise<UmdHost> {
  host = await hosts.open({ dll: umdDll(variant) });
  statistics = [];
  host.on('statistic', (s: UmdStatistic) => statistics.push(s));
  await host.start();
  await host.reportChunks({ frames, slicesPerFrame, privateDataSize: 16 });
  return host;
}

const chunkStops = (h: UmdHost) => h.trace().events.filter((e) => e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.phase === 'stop');

describe('chunks through GetNextChunkData', () => {
  it('the sample reads the encoder\'s chunks and reports CHUNK_SENT for each slice, last slice part 0', async () => {
    const h = await session('sample', 3, 2);
    await waitFor(async () => statistics.filter((s) => s.type === 'chunkSent').length, (n) => n >= 6, 10_000, 'six CHUNK_SENT');
    const sent = statistics.filter((s) => s.type === 'chunkSent');
    expect(new Set(sent.map((s) => s.frameNumber)).size).toBe(3);
    for (const frame of new Set(sent.map((s) => s.frameNumber))) {
      expect(sent.filter((s) => s.frameNumber === frame).map((s) => s.partNumber), `frame ${frame}`).toContain(0);
    }
    // Every packet of the three frames was handed out (FRAME_START, COLOR_CONVERT_COMPLETE, two slices).
    expect(h.counters().chunksReturned).toBeGreaterThanOrEqual(12);
    await h.destroy();
    expect(h.findings()).toEqual([]);
  });

  it('the reader ends at Stop: its stop event ends a pending read with STATUS_WAIT_0 and size 0, or a read that began after the session started stopping gets STATUS_INSTANCE_NOT_AVAILABLE', async () => {
    // [OBS] dxgkrnl marks the session StopPending before the host calls StopMiracastSession, and
    // GetNextChunkData checks that state on entry; the sample polls every 100 ms, so which of the
    // two ends its reader depends on where its poll was. Both are the documented ends.
    const h = await session('sample', 1, 1);
    await h.destroy();
    const stops = chunkStops(h);
    const last = stops.at(-1)!;
    const ends = [{ status: NtStatus.STATUS_SUCCESS, bytes: 0 }, { status: NtStatus.STATUS_INSTANCE_NOT_AVAILABLE, bytes: 0 }];
    expect(ends).toContainEqual({ status: last.status, bytes: last.arg0 });
    // Every read that began also returned (none was left inside the host at Destroy).
    const starts = h.trace().events.filter((e) => e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.phase === 'start');
    expect(starts).toHaveLength(stops.length);
    expect(h.findings()).toEqual([]);
  });

  it('a pool overflow: STATUS_CONNECTION_RESET once per overflow, then the sample asks for a new I-frame', async () => {
    const device = await openDevice();
    try {
      const before = await device.stats();
      const h = await session('sample', 20, 4);     // 120 chunks against a pool of at most 40
      await waitFor(async () => chunkStops(h).filter((e) => e.status === NtStatus.STATUS_CONNECTION_RESET).length, (n) => n >= 1, 10_000, 'the reset');
      await h.reportChunks({ frames: 1, slicesPerFrame: 1 });
      await waitFor(async () => chunkStops(h).filter((e) => e.status === NtStatus.STATUS_SUCCESS && e.arg0 > 0).length, (n) => n >= 1, 10_000, 'chunks after the reset');
      await h.destroy();
      // The encoder may overflow the pool more than once while the reader catches up: the UMD
      // sees exactly the resets the harness made, each once.
      const resets = (await device.stats()).chunkResets - before.chunkResets;
      expect(resets).toBeGreaterThanOrEqual(1);
      expect(chunkStops(h).filter((e) => e.status === NtStatus.STATUS_CONNECTION_RESET)).toHaveLength(resets);
      expect(h.findings()).toEqual([]);
    } finally {
      await device.close();
    }
  });

  it('the unknown_chunk_sent variant, whose CHUNK_SENT names a frame it never read, is flagged for umd.stats.chunkSentKnown alone', async () => {
    const h = await session('unknown_chunk_sent', 2, 1);
    await waitFor(async () => h.findings().map((f) => f.ruleId), (ids) => ids.includes('umd.stats.chunkSentKnown'), 10_000, 'the finding');
    await h.destroy();
    expect([...new Set(h.findings().map((f) => f.ruleId))]).toEqual(['umd.stats.chunkSentKnown']);
    expect(h.findings()[0].evidence).toMatch(/^CHUNK_SENT for frame \d+ part \d+, a chunk GetNextChunkData never returned$/);
  });

  it('the ignores_reset variant, after a real overflow, is flagged', async () => {
    const h = await session('ignores_reset', 20, 4);
    await waitFor(async () => h.findings().map((f) => f.ruleId), (ids) => ids.includes('umd.chunks.iframeAfterReset'), 10_000, 'the finding');
    await h.destroy();
  });
});
