// The DDI trace (what the HLK's ETW log plays): DDI entries and exits with their key arguments
// and results, sends, deliveries, callbacks with their status, hot-plug indications, chunk
// reports, sessions, agent attach/detach, applied faults, the adapter's registration and start
// steps, services the host does not provide, chunk interrupts, DPCs and reads, pool findings, the
// contract violations the host saw (by kind). Read from a bounded ring; `lost`
// says how many events were overwritten before they were read.
import type { NativeConstants } from './binding';
import { ntStatusName } from './ntstatus';
import { faultKindNames, type FaultKind } from './faults';

export type DdiName = 'queryCaps' | 'createContext' | 'destroyContext' | 'ioControl';
export type AnswerKind = 'agent' | 'responder' | 'inline' | 'dropped';

interface TraceEventBase {
  /** 1, 2, 3 ... in the order the driver recorded them. */
  sequence: number;
  /** Interrupt time, 100 ns units. */
  time: number;
  threadId: number;
  contextId: number;
  messageId: number;
  status: number;
  statusName: string;
  /** The raw key arguments (MH_TRACE_KINDS in the contract header says what they hold per kind). */
  arg0: number;
  arg1: number;
}

export type TraceEvent = TraceEventBase &
  (
    | { kind: 'ddiEnter'; ddi: DdiName; /** ioControl: the UMD's HardwareAccess (third level) */ hardwareAccess: boolean }
    | { kind: 'ddiExit'; ddi: DdiName; /** TargetId for createContext, BytesReturned for ioControl */ result: number }
    | { kind: 'send'; inputSize: number; outputSize: number }
    | { kind: 'deliver'; positionInReceive: number }
    | { kind: 'callback'; answer: AnswerKind; information: number }
    | { kind: 'hpd'; connected: boolean; childUid: number }
    | { kind: 'chunk'; chunkType: number; privateDataSize: number }
    | { kind: 'session'; action: 'start' | 'stop' }
    | { kind: 'agent'; attached: boolean; flags: number; processId: number }
    | { kind: 'fault'; fault: FaultKind }
    | { kind: 'adapter'; step: AdapterStep }
    | { kind: 'service'; service: string }
    | { kind: 'interrupt'; chunkType: number; frameNumber: number; partNumber: number; privateDataSize: number }
    | { kind: 'dpc'; published: number; reset: boolean; stopped: boolean; grew: boolean }
    | { kind: 'chunkRead'; packets: number; bytes: number }
    | { kind: 'pool'; finding: string; tag: number; offset: number }
    | { kind: 'violation'; /** MH_VIOLATION_KINDS' name (CAPS_OVERRUN) */ violation: string }
  );

/** Registration and adapter steps, in dxgkrnl's order (MH_ADAPTER_STEPS). */
export type AdapterStep =
  | 'initialize' | 'addDevice' | 'startDevice' | 'queryChildRelations' | 'queryChildStatus'
  | 'queryMiracastInterface' | 'queryTestHooks' | 'queryCaps' | 'stopDevice' | 'removeDevice' | 'unload';

/** MH_ADAPTER_STEPS' INITIALIZE -> initialize, QUERY_CHILD_RELATIONS -> queryChildRelations. */
function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export interface TraceRead {
  events: TraceEvent[];
  /** Pass as `since` to read on from here. */
  nextSequence: number;
  /** Events at or after `since` that were overwritten before this read. */
  lost: number;
}

interface RawEvent {
  sequence: number; time: number; kind: number; detail: number; status: number; threadId: number;
  contextId: number; messageId: number; arg0: number; arg1: number;
}

const ddiNames: Record<number, DdiName> = { 1: 'queryCaps', 2: 'createContext', 3: 'destroyContext', 4: 'ioControl' };
const answerNames: Record<number, AnswerKind> = { 1: 'agent', 2: 'responder', 3: 'inline', 4: 'dropped' };

export function decodeTrace(raw: { nextSequence: number; lost: number; events: RawEvent[] }, constants: NativeConstants): TraceRead {
  const kinds = constants.traceKinds;
  const faultByValue = new Map<number, FaultKind>();
  for (const [name, contractName] of Object.entries(faultKindNames)) {
    faultByValue.set(constants.faultKinds[contractName], name as FaultKind);
  }
  const steps = new Map(Object.entries(constants.adapterSteps).map(([name, value]) => [value, camel(name) as AdapterStep]));
  const findings = new Map(Object.entries(constants.poolFindingKinds).map(([name, value]) => [value, camel(name)]));
  const violations = new Map(Object.entries(constants.violationKinds).map(([name, value]) => [value, name]));
  const flags = constants.dpcFlags;
  const events = raw.events.map((e): TraceEvent => {
    const base: TraceEventBase = {
      sequence: e.sequence, time: e.time, threadId: e.threadId, contextId: e.contextId, messageId: e.messageId,
      status: e.status, statusName: ntStatusName(e.status), arg0: e.arg0, arg1: e.arg1,
    };
    switch (e.kind) {
      case kinds.DDI_ENTER:
        return { ...base, kind: 'ddiEnter', ddi: ddiNames[e.detail], hardwareAccess: ddiNames[e.detail] === 'ioControl' && (e.arg1 & 1) !== 0 };
      case kinds.DDI_EXIT: return { ...base, kind: 'ddiExit', ddi: ddiNames[e.detail], result: e.arg0 };
      case kinds.SEND: return { ...base, kind: 'send', inputSize: e.arg0, outputSize: e.arg1 };
      case kinds.DELIVER: return { ...base, kind: 'deliver', positionInReceive: e.arg0 };
      case kinds.CALLBACK: return { ...base, kind: 'callback', answer: answerNames[e.detail], information: e.arg0 };
      case kinds.HPD: return { ...base, kind: 'hpd', connected: e.arg0 !== 0, childUid: e.arg1 };
      case kinds.CHUNK: return { ...base, kind: 'chunk', chunkType: e.arg0, privateDataSize: e.arg1 };
      case kinds.SESSION: return { ...base, kind: 'session', action: e.detail === constants.sessionActions.START ? 'start' : 'stop' };
      case kinds.AGENT: return { ...base, kind: 'agent', attached: e.detail === 1, flags: e.arg0, processId: e.arg1 };
      case kinds.FAULT: return { ...base, kind: 'fault', fault: faultByValue.get(e.detail) ?? ('unknown' as FaultKind) };
      case kinds.ADAPTER: return { ...base, kind: 'adapter', step: steps.get(e.detail) ?? ('unknown' as AdapterStep) };
      case kinds.SERVICE: return { ...base, kind: 'service', service: constants.dxgkrnlServices[e.detail] ?? `#${e.detail}` };
      case kinds.INTERRUPT:
        // Arg1 is ChunkId.Value: FrameNumber in the low 40 bits, PartNumber above.
        return { ...base, kind: 'interrupt', chunkType: e.arg0, frameNumber: e.arg1 % 2 ** 40,
          partNumber: Math.floor(e.arg1 / 2 ** 40), privateDataSize: e.detail };
      case kinds.DPC:
        return { ...base, kind: 'dpc', published: e.arg0, reset: (e.detail & flags.RESET) !== 0,
          stopped: (e.detail & flags.STOPPED) !== 0, grew: (e.detail & flags.GREW) !== 0 };
      case kinds.CHUNK_READ: return { ...base, kind: 'chunkRead', packets: e.arg0, bytes: e.arg1 };
      case kinds.POOL: return { ...base, kind: 'pool', finding: findings.get(e.detail) ?? `#${e.detail}`, tag: e.arg0, offset: e.arg1 };
      case kinds.VIOLATION: return { ...base, kind: 'violation', violation: violations.get(e.detail) ?? `#${e.detail}` };
      default: throw new Error(`unknown trace event kind ${e.kind}`);
    }
  });
  return { events, nextSequence: raw.nextSequence, lost: raw.lost };
}
