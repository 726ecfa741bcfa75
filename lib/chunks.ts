// The encoder's side of a session: chunks the miniport reports through DxgkCbNotifyInterrupt and
// DxgkCbNotifyDpc, read as the user-mode driver's GetNextChunkData reads them (IOCTL_MH_READ_CHUNKS),
// and the test miniport's encoder that reports them (its test hooks, IOCTL_MH_REPORT_CHUNKS).
import type { RequestChannel } from './channel';
import { hooksFailure } from './hosted';
import { ntStatusName } from './ntstatus';
import { checkInteger, checkOptions, checkString, checkWaitOptions, invalidArgType, invalidArgValue } from './validate';

/** DXGK_MIRACAST_CHUNK_TYPE names. */
export const chunkTypeNames: Readonly<Record<number, string>> = {
  0: 'UNKNOWN',
  1: 'COLOR_CONVERT_COMPLETE',
  2: 'ENCODE_COMPLETE',
  3: 'FRAME_START',
  4: 'FRAME_DROPPED',
  0x80000000: 'ENCODE_DRIVER_DEFINED_1',
  0x80000001: 'ENCODE_DRIVER_DEFINED_2',
};

/** One packet of GetNextChunkData: DXGK_MIRACAST_CHUNK_INFO and the private driver data. */
export interface Chunk {
  chunkType: number;
  /** FRAME_START, ENCODE_COMPLETE, ... */
  chunkTypeName: string;
  /** ChunkId.FrameNumber: every chunk of one frame shares it. */
  frameNumber: number;
  /** ChunkId.PartNumber: one per processing step; the last slice of a frame is part 0. */
  partNumber: number;
  /** Microseconds. */
  processingTime: number;
  /** Kilobits per second. */
  encodeRate: number;
  privateData: Buffer;
}

export interface ChunkRead {
  /** GetNextChunkData's status: STATUS_SUCCESS, STATUS_TIMEOUT, STATUS_BUFFER_TOO_SMALL,
      STATUS_CONNECTION_RESET (once after an overflow), STATUS_INSTANCE_NOT_AVAILABLE. */
  status: number;
  statusName: string;
  /** *pChunkDataBufferSize on return; for STATUS_BUFFER_TOO_SMALL, the size the next packet needs. */
  bytesWritten: number;
  /** *pOutstandingChunksToProcess. */
  outstanding: number;
  chunks: Chunk[];
}

export interface ReadChunksOptions {
  /** GetNextChunkData's TimeoutInMilliseconds: 0 returns at once, undefined waits without a limit. */
  waitMs?: number;
  /** *pChunkDataBufferSize on entry (default and most: 64 KiB). */
  bufferSize?: number;
  /** Cancels the read in the kernel. */
  signal?: AbortSignal;
  /** Cancels the read in the kernel after this many milliseconds (TimeoutError). */
  timeoutMs?: number;
}

/** GetNextChunkData on the context's session (its owner or the agent may read; one reader at a time). */
export async function readChunks(channel: RequestChannel, contextId: number, options?: ReadChunksOptions): Promise<ChunkRead> {
  const opts = checkOptions(options, 'options');
  const limits = channel.constants.limits;
  const waitMs = checkInteger(opts.waitMs, 'options.waitMs', 0, limits.chunkWaitInfinite - 1, limits.chunkWaitInfinite);
  const bufferSize = checkInteger(opts.bufferSize, 'options.bufferSize', 0, limits.maxChunkReadBytes, limits.maxChunkReadBytes);
  const wait = checkWaitOptions(opts.signal, opts.timeoutMs);
  const raw = await channel.request<Omit<ChunkRead, 'statusName' | 'chunks'> & {
    chunks: Omit<Chunk, 'chunkTypeName'>[];
  }>('readChunks', [contextId, waitMs, bufferSize], wait);
  return {
    ...raw,
    statusName: ntStatusName(raw.status),
    chunks: raw.chunks.map((c) => ({ ...c, chunkTypeName: chunkTypeNames[c.chunkType] ?? `0x${c.chunkType.toString(16)}` })),
  };
}

export type ChunkMisreport = 'wrongTarget' | 'oversize' | 'noDpc';

export interface ReportChunksOptions {
  /** Frames to encode (each: FRAME_START, COLOR_CONVERT_COMPLETE, then its slices). */
  frames: number;
  /** ENCODE_COMPLETE chunks per frame (default 1). */
  slicesPerFrame?: number;
  /** Private driver data per ENCODE_COMPLETE chunk (default 0). */
  privateDataSize?: number;
  /** Misreport the first chunk on purpose: for another target, with too much private data, or
      never queue the DPC. */
  misreport?: ChunkMisreport;
}

export interface ChunkReport {
  /** Interrupts the miniport raised. */
  reported: number;
  /** Of those, interrupts whose Status the host set to STATUS_SUCCESS. */
  queued: number;
  /** The first other Status the host wrote back (0 if none). */
  firstError: number;
}

/** The hosted miniport's encoder reports chunks on the context's session (test hooks). */
export async function reportChunks(channel: RequestChannel, contextId: number, options: ReportChunksOptions): Promise<ChunkReport> {
  if (options === null || typeof options !== 'object') throw invalidArgType('options must be an object');
  const limits = channel.constants.limits;
  const frames = checkInteger(options.frames, 'options.frames', 1, limits.maxChunkFrames);
  const slices = checkInteger(options.slicesPerFrame, 'options.slicesPerFrame', 1, limits.maxChunkSlices, 1);
  const privateDataSize = checkInteger(options.privateDataSize, 'options.privateDataSize', 0, limits.maxChunkPrivateBytes, 0);
  const misreports = channel.constants.chunkMisreports;
  const byName: Record<ChunkMisreport, number> = {
    wrongTarget: misreports.WRONG_TARGET, oversize: misreports.OVERSIZE, noDpc: misreports.NO_DPC,
  };
  let misreport = misreports.NONE;
  if (options.misreport !== undefined) {
    const name = checkString(options.misreport, 'options.misreport');
    if (!Object.hasOwn(byName, name)) {
      throw invalidArgValue("options.misreport must be 'wrongTarget', 'oversize' or 'noDpc'", 'RangeError');
    }
    misreport = byName[name as ChunkMisreport];
  }
  try {
    return await channel.request<ChunkReport>('reportChunks', [contextId, frames, slices, privateDataSize, misreport]);
  } catch (error) {
    throw await hooksFailure(channel, 'reportChunks', error);
  }
}
