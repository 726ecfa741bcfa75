// The hosted miniport, as the harness sees it: the adapter it brought up (registration, children,
// connection state, the DXGKRNL_INTERFACE services the miniport called), the pool tracker's counts
// and findings, and the miniport's own state through its optional test hooks. A miniport without
// test hooks is hosted all the same; what needs them rejects with NoTestHooksError.
import type { NativeConstants } from './binding';
import type { RequestChannel } from './channel';
import { NtStatusError } from './errors';
import { NtStatus } from './ntstatus';
import { checkBoolean, checkInteger, checkOptions } from './validate';
import type { MiniportState } from './types';
import { miniportStateFields } from './types';

/** The adapter, as the host started it (IOCTL_MH_GET_ADAPTER). */
export interface AdapterInfo {
  /** DRIVER_INITIALIZATION_DATA.Version the miniport registered through DxgkInitialize. */
  initVersion: number;
  /** DXGKRNL_INTERFACE.Version the host handed to DxgkDdiStartDevice. */
  interfaceVersion: number;
  videoPresentSources: number;
  children: number;
  /** The Miracast target: the one TargetId DxgkDdiMiracastCreateContext may return. */
  miracastChildUid: number;
  /** DXGK_CHILD_DEVICE_HPD_AWARENESS of that child (4: HpdAwarenessInterruptible). */
  miracastHpdAwareness: number;
  /** The connection state, as the miniport last indicated it (DxgkCbIndicateChildStatus). */
  connected: boolean;
  /** D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY of the last connect indication. */
  monitorType: number;
  miracastInterfaceSize: number;
  miracastInterfaceVersion: number;
  /** Whether the miniport returned the test-hooks interface. */
  testHooks: boolean;
  /** Whether it registered DxgkDdiDpcRoutine (needed to report chunks). */
  dpcRoutine: boolean;
  /** DxgkDdiMiracastQueryCaps at adapter start. */
  capsMaxChunkPrivateDriverDataSize: number;
  capsFlags: number;
  /** Calls per DXGKRNL_INTERFACE service, by name; every one but IndicateChildStatus, QueueDpc,
      NotifyInterrupt and NotifyDpc answered STATUS_NOT_SUPPORTED. */
  serviceCalls: Record<string, number>;
}

export type PoolFindingKind = 'doubleFree' | 'unknownPointer' | 'writeAfterFree' | 'tagMismatch' | 'badRequest' | 'leak';

const findingKindNames: Record<string, PoolFindingKind> = {
  DOUBLE_FREE: 'doubleFree',
  UNKNOWN_POINTER: 'unknownPointer',
  WRITE_AFTER_FREE: 'writeAfterFree',
  TAG_MISMATCH: 'tagMismatch',
  BAD_REQUEST: 'badRequest',
  LEAK: 'leak',
};

export interface PoolTagCount {
  /** The tag as a pool dump shows it ("MPcx"). */
  tag: string;
  outstanding: number;
  total: number;
  bytesOutstanding: number;
}

export interface PoolFinding {
  sequence: number;
  kind: PoolFindingKind;
  /** What the rule is, in words. */
  description: string;
  tag: string;
  /** The block's size (0 when unknown). */
  size: number;
  /** writeAfterFree: the offset of the first changed byte; tagMismatch: the tag passed. */
  offset: number;
  /** Which of the miniport's allocations it was (1 for its first; 0 when unknown). */
  allocation: number;
}

export interface PoolReport {
  tags: PoolTagCount[];
  findings: PoolFinding[];
  /** Pass as `since` to read on from here. */
  nextSequence: number;
  /** Findings at or after `since` no longer kept. */
  lost: number;
}

/** Thrown where the hosted miniport offers no test hooks (it did not return GUID_MH_TEST_HOOKS). */
export class NoTestHooksError extends NtStatusError {
  override readonly code: string = 'ERR_NO_TEST_HOOKS';
  constructor(operation: string, cause: unknown) {
    super(NtStatus.STATUS_NOT_SUPPORTED, operation, { cause });
    this.name = 'NoTestHooksError';
    this.message = `${operation} failed: the hosted miniport offers no test hooks (STATUS_NOT_SUPPORTED); ` +
      'only a miniport that returns the GUID_MH_TEST_HOOKS interface can be asked to send, report chunks or show its state';
  }
}

/** Whether each device's miniport has test hooks; it cannot change while the device is open. */
const hooksKnown = new WeakMap<RequestChannel, boolean>();

/**
 * @internal A failure of an operation that needs the test hooks, as the caller should see it:
 * STATUS_NOT_SUPPORTED from a miniport without hooks becomes a NoTestHooksError.
 */
export async function hooksFailure(channel: RequestChannel, operation: string, error: unknown): Promise<unknown> {
  if (!(error instanceof NtStatusError) || error.status !== NtStatus.STATUS_NOT_SUPPORTED) return error;
  let hooks = hooksKnown.get(channel);
  if (hooks === undefined) {
    try {
      hooks = (await readAdapter(channel)).testHooks;
      hooksKnown.set(channel, hooks);
    } catch {
      return error;
    }
  }
  return hooks ? error : new NoTestHooksError(operation, error);
}

export async function readAdapter(channel: RequestChannel): Promise<AdapterInfo> {
  return await channel.request<AdapterInfo>('adapter', []);
}

export async function readPool(channel: RequestChannel, options?: { since?: number; flush?: boolean }): Promise<PoolReport> {
  const { since, flush } = checkOptions(options, 'options');
  const start = checkInteger(since, 'options.since', 0, Number.MAX_SAFE_INTEGER, 0);
  const flushFirst = checkBoolean(flush, 'options.flush', false);
  const raw = await channel.request<{
    nextSequence: number; lost: number; tags: PoolTagCount[];
    findings: { sequence: number; kind: number; tag: string; size: number; offset: number; allocation: number }[];
  }>('readPool', [start, flushFirst]);
  const kinds = channel.constants.poolFindingKinds;
  const byValue = new Map(Object.entries(kinds).map(([name, value]) => [value, name]));
  return {
    tags: raw.tags,
    nextSequence: raw.nextSequence,
    lost: raw.lost,
    findings: raw.findings.map((f) => {
      const name = byValue.get(f.kind);
      if (name === undefined) throw new Error(`the driver reported an unknown pool finding kind ${f.kind}`);
      return { ...f, kind: findingKindNames[name], description: channel.constants.poolFindingDescriptions[name] };
    }),
  };
}

/** MP_STATE, the test miniport's view of what happened to it, from its raw bytes. */
export function decodeMiniportState(bytes: Buffer, constants: NativeConstants): MiniportState {
  const fields = constants.miniport.stateFields;
  if (bytes.length < fields.length * 8) {
    throw new Error(`the miniport's state is ${bytes.length} bytes, too few for ${fields.length} fields`);
  }
  const state = {} as Record<string, number>;
  fields.forEach((name, i) => {
    state[name] = Number(bytes.readBigUInt64LE(i * 8));
  });
  for (const name of miniportStateFields) {
    if (!(name in state)) throw new Error(`the driver's MP_STATE has no ${name}`);
  }
  return state as unknown as MiniportState;
}

/** The miniport's own state through its test hooks (no context needed). */
export async function readMiniportState(channel: RequestChannel): Promise<MiniportState> {
  try {
    return decodeMiniportState(await channel.request<Buffer>('miniportState', []), channel.constants);
  } catch (error) {
    throw await hooksFailure(channel, 'miniportState', error);
  }
}
