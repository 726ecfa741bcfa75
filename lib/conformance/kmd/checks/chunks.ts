// The chunk path. DxgkCbReportChunkInfo as the host implements it: private data must be NULL and
// its size 0, otherwise STATUS_INVALID_PARAMETER; the call only logs. And the encoder's side of a
// session: the miniport's chunk interrupts (DxgkCbNotifyInterrupt, MiracastEncodeChunkCompleted)
// and DPCs (DxgkCbNotifyDpc), as the host recorded them, for a stream the miniport's encoder
// reports through its test hooks on a started session.
import { NtStatus, ntStatusName } from '../../../ntstatus';
import type { TraceEvent } from '../../../trace';
import { chunkTypeNames } from '../../../chunks';
import type { KmdCheck } from '../check-context';

export async function checkReportChunkInfo(c: KmdCheck): Promise<void> {
  const context = await c.device.createContext();
  let valid: number;
  let invalid: number;
  try {
    valid = await context.miniport.reportChunk({ chunkType: 2, frameNumber: 1 });
    invalid = await context.miniport.reportChunk({ chunkType: 2, frameNumber: 2, privateDataSize: 16 });
  } finally {
    await context.destroy();
  }
  c.evidence(`NULL private data: ${ntStatusName(valid)}; 16 bytes of private data: ${ntStatusName(invalid)}`);
  if (valid !== NtStatus.STATUS_SUCCESS) c.finding(`a well-formed DxgkCbReportChunkInfo returned ${ntStatusName(valid)}`);
  if (invalid !== NtStatus.STATUS_INVALID_PARAMETER) {
    c.finding(`DxgkCbReportChunkInfo with private data returned ${ntStatusName(invalid)}, not STATUS_INVALID_PARAMETER`);
  }
  const chunks = (await c.trace()).filter((e) => e.kind === 'chunk' && e.contextId === context.id);
  if (chunks.length !== 2) c.finding(`the host logged ${chunks.length} chunk report(s) for the 2 made`);
}

type Interrupt = Extract<TraceEvent, { kind: 'interrupt' }>;
type Dpc = Extract<TraceEvent, { kind: 'dpc' }>;

interface Stream {
  interrupts: Interrupt[];
  dpcs: Dpc[];
  maxPrivate: number;
}

const frames = 3;
const slices = 3;

/**
 * Has the miniport's encoder report a stream of `frames` frames on a started session (an agent on
 * another handle starts it), reads it back as GetNextChunkData does, and returns what the host
 * traced: the chunk interrupts and the DPCs.
 */
async function encodeStream(c: KmdCheck): Promise<Stream> {
  const maxPrivate = (await c.device.queryCaps()).maxChunkPrivateDriverDataSize;
  const umd = await c.openHandle();
  const agent = await umd.attachAgent(() => ({ status: 0 }));
  const mark = await c.traceMark();
  try {
    const context = await c.device.createContext();
    try {
      const report = await context.reportChunks({ frames, slicesPerFrame: slices, privateDataSize: Math.min(maxPrivate, 16) });
      c.evidence(`the encoder reported ${report.reported} chunk(s), ${report.queued} queued` +
        (report.firstError ? `, first other status ${ntStatusName(report.firstError)}` : ''));
      let read = 0;
      while (read < report.queued) {
        const got = await context.readChunks({ waitMs: 5000 });
        if (got.status !== NtStatus.STATUS_SUCCESS) {
          c.evidence(`a chunk read after ${read} chunk(s) returned ${got.statusName}`);
          break;
        }
        read += got.chunks.length;
      }
    } finally {
      await context.destroy();
    }
  } finally {
    await agent.detach();
  }
  const events = await c.trace(mark);
  return {
    interrupts: events.filter((e): e is Interrupt => e.kind === 'interrupt'),
    dpcs: events.filter((e): e is Dpc => e.kind === 'dpc'),
    maxPrivate,
  };
}

const describeInterrupt = (e: Interrupt) =>
  `interrupt at trace ${e.sequence}: ${chunkTypeNames[e.chunkType] ?? e.chunkType}, frame ${e.frameNumber}, part ${e.partNumber}, ` +
  `${e.privateDataSize} private byte(s), ${e.statusName}`;

/** PrivateDataDriverSize is at most the caps' MaxChunkPrivateDriverDataSize. */
export async function checkChunkPrivateSize(c: KmdCheck): Promise<void> {
  const stream = await encodeStream(c);
  const over = stream.interrupts.filter((e) => e.privateDataSize > stream.maxPrivate);
  c.evidence(`${stream.interrupts.length} chunk interrupt(s); MaxChunkPrivateDriverDataSize ${stream.maxPrivate}`);
  for (const e of over) c.finding(`a chunk interrupt carried ${e.privateDataSize} private bytes, more than MaxChunkPrivateDriverDataSize ${stream.maxPrivate}`, [describeInterrupt(e)]);
}

/** The chunk interrupt names the session's Miracast target: the host refuses one for another target. */
export async function checkChunkTarget(c: KmdCheck): Promise<void> {
  const stream = await encodeStream(c);
  const refused = stream.interrupts.filter((e) => e.status === NtStatus.STATUS_INVALID_PARAMETER && e.privateDataSize <= stream.maxPrivate);
  c.evidence(`${stream.interrupts.length} chunk interrupt(s), ${refused.length} refused for another target`);
  if (stream.interrupts.length === 0) c.finding('the encoder reported no chunk interrupt on a started session');
  for (const e of refused) c.finding('a chunk interrupt named another target than the session\'s Miracast target (the host refused it)', [describeInterrupt(e)]);
}

/** DxgkCbNotifyDpc follows the chunk interrupts: none is left after the last DPC. */
export async function checkChunkDpc(c: KmdCheck): Promise<void> {
  const stream = await encodeStream(c);
  const lastDpc = stream.dpcs.at(-1)?.sequence ?? 0;
  const after = stream.interrupts.filter((e) => e.sequence > lastDpc);
  c.evidence(`${stream.interrupts.length} chunk interrupt(s), ${stream.dpcs.length} DPC(s)`);
  if (after.length > 0) c.finding(`${after.length} chunk interrupt(s) had no DxgkCbNotifyDpc after them: their chunks never became readable`, after.map(describeInterrupt));
}

/** The chunks of a frame share its FrameNumber, FRAME_START is reported, and its last slice is part 0. */
export async function checkChunkNumbering(c: KmdCheck): Promise<void> {
  const stream = await encodeStream(c);
  const byFrame = new Map<number, Interrupt[]>();
  for (const e of stream.interrupts) byFrame.set(e.frameNumber, [...(byFrame.get(e.frameNumber) ?? []), e]);
  c.evidence(`${stream.interrupts.length} chunk interrupt(s) in ${byFrame.size} frame(s)`);
  if (byFrame.size === 0) c.finding('the encoder reported no chunk interrupt on a started session');
  for (const [frame, chunks] of byFrame) {
    if (!chunks.some((e) => chunkTypeNames[e.chunkType] === 'FRAME_START')) c.finding(`frame ${frame} has no FRAME_START chunk`, chunks.map(describeInterrupt));
    const last = chunks.at(-1)!;
    if (last.partNumber !== 0) c.finding(`frame ${frame}'s last chunk is part ${last.partNumber}, not part 0`, chunks.map(describeInterrupt));
  }
}
