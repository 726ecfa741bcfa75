// The run's DDI trace as a subject-neutral Timeline: one row per thread, DDI calls as spans,
// sends, deliveries, callbacks, hot-plug indications, chunks, sessions, agent and fault events
// as marks. Overlaps that break the Miracast-class or third-level rule are marked as violations,
// unless the check running then induced them on purpose with its own fault.
import type { TraceEvent } from '../../trace';
import type { Timeline, TimelineMark, TimelineSpan } from '../types';
import { ddiSpans, describeOverlap, findOverlaps, type DdiSpan } from './trace-analysis';

/** A rule's stretch of the trace (sequence numbers, inclusive) and the faults it armed itself. */
export interface TraceWindow {
  ruleId: string;
  from: number;
  to: number;
  ownFaults: readonly string[];
}

function markLabel(e: TraceEvent): string {
  const context = e.contextId ? ` context ${e.contextId}` : '';
  switch (e.kind) {
    case 'send': return `DxgkCbMiracastSendMessage ${e.statusName}${context}, message ${e.messageId}`;
    case 'deliver': return `message ${e.messageId} delivered to the agent`;
    case 'callback': return `DxgkCbMiracastSendMessageCallback (${e.answer}) ${e.statusName}, message ${e.messageId}`;
    case 'hpd': return `DxgkCbIndicateChildStatus: monitor ${e.connected ? 'arrival' : 'departure'}, child ${e.childUid}`;
    case 'chunk': return `DxgkCbReportChunkInfo type ${e.chunkType} ${e.statusName}`;
    case 'session': return `session ${e.action} ${e.statusName}${context}`;
    case 'agent': return `agent ${e.attached ? 'attached' : 'detached'}`;
    case 'fault': return `fault ${e.fault} applied`;
    default: return e.kind;
  }
}

export function buildTimeline(events: readonly TraceEvent[], windows: readonly TraceWindow[], lost: number): Timeline {
  const t0 = events.length > 0 ? events[0].time : 0;
  const micros = (e: TraceEvent): number => Math.max(0, (e.time - t0) / 10);
  const windowOf = (sequence: number): TraceWindow | undefined => windows.find((w) => sequence >= w.from && sequence <= w.to);
  const lastTime = events.length > 0 ? micros(events[events.length - 1]) : 0;

  const rows = new Map<number, string>();
  const row = (threadId: number): string => {
    if (!rows.has(threadId)) rows.set(threadId, `thread 0x${threadId.toString(16)}`);
    return `t${threadId}`;
  };

  const spans = ddiSpans(events);
  const verdicts = new Map<DdiSpan, { violation?: string; induced?: string }>();
  for (const overlap of findOverlaps(spans)) {
    const window = windowOf(overlap.second.enter.sequence);
    const induced = window?.ownFaults.includes('lockBypass');
    const text = `${overlap.kind === 'miracastClass' ? 'Miracast-class' : 'third-level'} overlap: ${describeOverlap(overlap)}`;
    for (const span of [overlap.first, overlap.second]) {
      const entry = verdicts.get(span) ?? {};
      if (induced) entry.induced ??= `${text} (induced by ${window!.ruleId}'s own lockBypass fault)`;
      else entry.violation ??= text;
      verdicts.set(span, entry);
    }
  }
  const timelineSpans: TimelineSpan[] = spans.map((span) => {
    const start = micros(span.enter);
    const end = span.exit ? micros(span.exit) : lastTime;
    const status = span.exit ? span.exit.statusName : 'not returned';
    return {
      row: row(span.threadId), start, end, name: span.ddi,
      label: `${span.ddi}${span.level3 && span.ddi === 'ioControl' ? ' (HardwareAccess)' : ''}${span.contextId ? ` context ${span.contextId}` : ''}: ${status}`,
      ...verdicts.get(span),
    };
  });
  const marks: TimelineMark[] = events
    .filter((e) => e.kind !== 'ddiEnter' && e.kind !== 'ddiExit')
    .map((e) => ({ row: row(e.threadId), at: micros(e), kind: e.kind, label: markLabel(e) }));

  const timelineWindows = windows.flatMap((w) => {
    const inside = events.filter((e) => e.sequence >= w.from && e.sequence <= w.to);
    return inside.length === 0 ? [] : [{ ruleId: w.ruleId, start: micros(inside[0]), end: micros(inside[inside.length - 1]) }];
  });
  return {
    unit: 'µs since the first traced event',
    rows: [...rows].sort((a, b) => a[0] - b[0]).map(([threadId, label]) => ({ id: `t${threadId}`, label })),
    spans: timelineSpans,
    marks,
    windows: timelineWindows,
    lost,
  };
}
