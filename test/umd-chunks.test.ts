// Chunks end to end: the test miniport's encoder reports chunks through DxgkCbNotifyInterrupt
// (IOCTL_MH_REPORT_CHUNKS), the harness queues them, and the UMD reads them through the host's
// GetNextChunkData (IOCTL_MH_READ_CHUNKS, its additional events waited on in user mode).
//
// These need the harness driver's chunk path. A driver without it answers REPORT_CHUNKS and
// READ_CHUNKS with STATUS_INVALID_DEVICE_REQUEST; then every test here is skipped and says why
// (the host's own chunk rules are still checked in umd-variants.test.ts). Valid in both lanes.
import { describe, expect, it, type TestContext } from 'vitest';
import { NtStatus, type UmdHost, type UmdStatistic } from '../dist/index.js';
import { waitFor } from './helpers';
import { useUmdHosts, umdDll, type UmdVariant } from './umd-helpers';

const hosts = useUmdHosts();
let host: UmdHost | undefined;
let statistics: UmdStatistic[];

/** Starts a session; skips the test (saying why) when the harness has no chunk path. */
async function session(context: TestContext, variant: UmdVariant, frames: number, slicesPerFrame: number): Promise<UmdHost> {
  host = await hosts.open({ dll: umdDll(variant) });
  statistics = [];
  host.on('statistic', (s: UmdStatistic) => statistics.push(s));
  await host.start();
  try {
    await host.reportChunks({ frames, slicesPerFrame, privateDataSize: 16 });
  } catch (error) {
    if ((error as { status?: number }).status === NtStatus.STATUS_INVALID_DEVICE_REQUEST) {
      const reason = 'waits for the harness driver\'s chunk path (IOCTL_MH_REPORT_CHUNKS / READ_CHUNKS answer STATUS_INVALID_DEVICE_REQUEST)';
      console.warn(`skipped: ${context.task.name}: ${reason}`);
      context.skip(reason);
    }
    throw error;
  }
  return host;
}

const chunkStops = (h: UmdHost) => h.trace().events.filter((e) => e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.phase === 'stop');

describe('chunks through GetNextChunkData', () => {
  it('the sample reads the encoder\'s chunks and reports CHUNK_SENT for each slice, last slice part 0', async (context) => {
    const h = await session(context, 'sample', 3, 2);
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

  it('an additional wait event ends a pending read with STATUS_WAIT_0 and size 0 (the sample\'s Stop)', async (context) => {
    const h = await session(context, 'sample', 1, 1);
    await h.destroy();
    const last = chunkStops(h).at(-1)!;
    expect({ status: last.status, bytes: last.arg0 }).toEqual({ status: NtStatus.STATUS_SUCCESS, bytes: 0 });
    expect(h.findings()).toEqual([]);
  });

  it('a pool overflow: STATUS_CONNECTION_RESET once, then the sample asks for a new I-frame', async (context) => {
    const h = await session(context, 'sample', 20, 4);     // 120 chunks against a pool of at most 40
    await waitFor(async () => chunkStops(h).filter((e) => e.status === NtStatus.STATUS_CONNECTION_RESET).length, (n) => n >= 1, 10_000, 'the reset');
    await h.reportChunks({ frames: 1, slicesPerFrame: 1 });
    await waitFor(async () => chunkStops(h).filter((e) => e.status === NtStatus.STATUS_SUCCESS && e.arg0 > 0).length, (n) => n >= 1, 10_000, 'chunks after the reset');
    await h.destroy();
    expect(chunkStops(h).filter((e) => e.status === NtStatus.STATUS_CONNECTION_RESET)).toHaveLength(1);
    expect(h.findings()).toEqual([]);
  });

  it('the ignores_reset variant, after a real overflow, is flagged', async (context) => {
    const h = await session(context, 'ignores_reset', 20, 4);
    await waitFor(async () => h.findings().map((f) => f.ruleId), (ids) => ids.includes('umd.chunks.iframeAfterReset'), 10_000, 'the finding');
    await h.destroy();
  });
});
