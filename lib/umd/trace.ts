// The UMD host's trace: every UMD entry point and callback with the OS's ETW names and ids
// (DxgKrnl's MiracastUmdDriver* 13100-13104 and MiracastUmdDriverCb* 13150-13154, umd-host.md
// 2.6), start and stop, plus the host's own milestones. Time stamps use the kernel trace's clock,
// so mergeTimeline() can put both halves on one time line.
import { ntStatusName } from '../ntstatus';
import type { TraceEvent } from '../trace';

export const umdTraceNames: Readonly<Record<number, string>> = {
  13100: 'MiracastUmdDriverCreateMiracastContext',
  13101: 'MiracastUmdDriverDestroyMiracastContext',
  13102: 'MiracastUmdDriverStartMiracastSession',
  13103: 'MiracastUmdDriverStopMiracastSession',
  13104: 'MiracastUmdDriverHandleKernelModeMessage',
  13150: 'MiracastUmdDriverCbReportSessionStatus',
  13151: 'MiracastUmdDriverCbMiracastIoControl',
  13152: 'MiracastUmdDriverCbReportStatistic',
  13153: 'MiracastUmdDriverCbGetNextChunkData',
  13154: 'MiracastUmdDriverCbRegisterForDataRateNotifications',
  // The host's own (no OS event exists for these).
  1: 'HostLoadLibrary',
  2: 'HostQueryMiracastDriverInterface',
  3: 'HostFreeLibrary',
  4: 'HostDataRateNotify',
  5: 'HostKernelCreateContext',
  6: 'HostKernelDestroyContext',
  7: 'HostKernelSession',
  8: 'HostRtspAccept',
  9: 'HostFinding',
};

export interface UmdTraceEvent {
  /** 1, 2, 3 ... in the order the host recorded them. */
  sequence: number;
  /** The kernel trace's clock: interrupt time (units: UmdHost.clock.unit100ns x 100 ns). */
  time: number;
  /** The ETW event id (13100-13154), or the host's own (below 13000). */
  id: number;
  /** The OS's event name, or the host's. */
  name: string;
  phase: 'start' | 'stop' | 'info';
  threadId: number;
  status: number;
  statusName: string;
  /** Key arguments (message id and sizes, bit rate, ...; see native/umd for each event). */
  arg0: number;
  arg1: number;
}

export interface UmdTraceRead {
  events: UmdTraceEvent[];
  nextSequence: number;
  lost: number;
}

interface RawUmdEvent {
  sequence: number; time: number; id: number; phase: number; threadId: number; status: number; arg0: number; arg1: number;
}

const phases = ['info', 'start', 'stop'] as const;

export function decodeUmdTrace(raw: { events: RawUmdEvent[]; nextSequence: number; lost: number }): UmdTraceRead {
  return {
    nextSequence: raw.nextSequence,
    lost: raw.lost,
    events: raw.events.map((e) => ({
      sequence: e.sequence, time: e.time, id: e.id, name: umdTraceNames[e.id] ?? `event${e.id}`,
      phase: phases[e.phase] ?? 'info', threadId: e.threadId, status: e.status, statusName: ntStatusName(e.status),
      arg0: e.arg0, arg1: e.arg1,
    })),
  };
}

/** One line of the merged time line. */
export interface TimelineEntry {
  time: number;
  /** Milliseconds since the first entry. */
  ms: number;
  half: 'kernel' | 'umd';
  name: string;
  event: TraceEvent | UmdTraceEvent;
}

const ddiNames: Record<string, string> = {
  queryCaps: 'DxgkDdiMiracastQueryCaps', createContext: 'DxgkDdiMiracastCreateContext',
  destroyContext: 'DxgkDdiMiracastDestroyContext', ioControl: 'DxgkDdiMiracastIoControl',
};

function kernelName(event: TraceEvent): string {
  switch (event.kind) {
    case 'ddiEnter': return `${ddiNames[event.ddi] ?? event.ddi} start`;
    case 'ddiExit': return `${ddiNames[event.ddi] ?? event.ddi} stop`;
    case 'send': return 'DxgkCbMiracastSendMessage';
    case 'callback': return `DxgkCbMiracastSendMessageCallback (${event.answer})`;
    case 'hpd': return `DxgkCbIndicateChildStatus (${event.connected ? 'arrival' : 'departure'})`;
    case 'chunk': return 'DxgkCbReportChunkInfo';
    default: return event.kind;
  }
}

/**
 * Both halves on one time line: the kernel trace (device.trace()) and the UMD host's
 * (host.trace()), which share the clock (interrupt time). `unit100ns` is UmdHost.clock.unit100ns.
 * Events with the same time stamp keep each half's own order.
 */
export function mergeTimeline(kernel: readonly TraceEvent[], umd: readonly UmdTraceEvent[], unit100ns: number): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...kernel.map((event) => ({ time: event.time, ms: 0, half: 'kernel' as const, name: kernelName(event), event })),
    ...umd.map((event) => ({ time: event.time, ms: 0, half: 'umd' as const, name: `${event.name}${event.phase === 'info' ? '' : ` ${event.phase}`}`, event })),
  ];
  entries.sort((a, b) => a.time - b.time || (a.event.sequence - b.event.sequence) * (a.half === b.half ? 1 : 0));
  const first = entries[0]?.time ?? 0;
  for (const entry of entries) entry.ms = ((entry.time - first) * unit100ns) / 10_000;
  return entries;
}
