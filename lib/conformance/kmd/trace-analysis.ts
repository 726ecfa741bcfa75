// Reading the host's DDI trace as dxgkrnl's own checks would: DDI calls as spans (entry to exit
// on one thread), the synchronization classes they belong to, overlaps that break the
// Miracast-class or third-level rule, and NTSTATUS conventions. Pure functions over trace events.
import type { TraceEvent, DdiName } from '../../trace';
import { ntStatusName } from '../../ntstatus';

export interface DdiSpan {
  ddi: DdiName;
  threadId: number;
  contextId: number;
  /** Third-level synchronization: QueryCaps, or an IoControl with HardwareAccess. */
  level3: boolean;
  enter: Extract<TraceEvent, { kind: 'ddiEnter' }>;
  /** Absent when the call had not returned by the end of the events read. */
  exit?: Extract<TraceEvent, { kind: 'ddiExit' }>;
}

/** The Miracast class: one of these at a time [DOC]. */
const miracastClass: ReadonlySet<DdiName> = new Set(['createContext', 'destroyContext', 'ioControl']);

/** Pairs each DDI entry with its exit on the same thread (a thread makes one DDI call at a time). */
export function ddiSpans(events: readonly TraceEvent[]): DdiSpan[] {
  const open = new Map<number, DdiSpan>();
  const spans: DdiSpan[] = [];
  for (const e of events) {
    if (e.kind === 'ddiEnter') {
      const span: DdiSpan = {
        ddi: e.ddi, threadId: e.threadId, contextId: e.contextId, enter: e,
        level3: e.ddi === 'queryCaps' || (e.ddi === 'ioControl' && e.hardwareAccess),
      };
      open.set(e.threadId, span);
      spans.push(span);
    } else if (e.kind === 'ddiExit') {
      const span = open.get(e.threadId);
      if (span && span.ddi === e.ddi) {
        span.exit = e;
        open.delete(e.threadId);
      }
    }
  }
  return spans;
}

export type OverlapKind = 'miracastClass' | 'thirdLevel';

export interface Overlap {
  kind: OverlapKind;
  /** The call that was inside first. */
  first: DdiSpan;
  /** The call that entered while `first` was inside. */
  second: DdiSpan;
}

const endOf = (span: DdiSpan): number => span.exit?.sequence ?? Number.POSITIVE_INFINITY;

/**
 * Overlaps by trace order (sequence numbers order every event the host recorded): a call that
 * entered while another was inside. Two Miracast-class calls break the class rule; a third-level
 * call with anything else inside breaks the third-level rule.
 */
export function findOverlaps(spans: readonly DdiSpan[]): Overlap[] {
  const sorted = [...spans].sort((a, b) => a.enter.sequence - b.enter.sequence);
  const inside: DdiSpan[] = [];
  const overlaps: Overlap[] = [];
  for (const span of sorted) {
    for (let i = inside.length - 1; i >= 0; i--) {
      if (endOf(inside[i]) < span.enter.sequence) inside.splice(i, 1);
    }
    for (const other of inside) {
      if (other.level3 || span.level3) {
        overlaps.push({ kind: 'thirdLevel', first: other, second: span });
      } else if (miracastClass.has(other.ddi) && miracastClass.has(span.ddi)) {
        overlaps.push({ kind: 'miracastClass', first: other, second: span });
      }
    }
    inside.push(span);
  }
  return overlaps;
}

export function describeSpan(span: DdiSpan): string {
  const end = span.exit ? `${span.exit.sequence}` : 'not returned';
  return `${span.ddi}${span.level3 && span.ddi === 'ioControl' ? ' (HardwareAccess)' : ''} on thread ` +
    `0x${span.threadId.toString(16)} (trace ${span.enter.sequence}-${end}${span.contextId ? `, context ${span.contextId}` : ''})`;
}

export function describeOverlap(overlap: Overlap): string {
  return `${describeSpan(overlap.second)} entered while ${describeSpan(overlap.first)} was inside`;
}

export type SeverityName = 'success' | 'informational' | 'warning' | 'error';

/** NTSTATUS severity: bits 30-31. */
export function severity(status: number): SeverityName {
  return (['success', 'informational', 'warning', 'error'] as const)[(status >>> 30) & 3];
}

/**
 * Why a synchronous DDI's return value breaks the convention "STATUS_SUCCESS or an Ntstatus.h error"
 * [DOC], or undefined when it keeps it. STATUS_PENDING and the other success, informational and
 * warning codes are not results a synchronous DDI may return.
 */
export function ddiStatusProblem(status: number): string | undefined {
  const value = status >>> 0;
  if (value === 0 || severity(value) === 'error') return undefined;
  return `returned ${ntStatusName(value)}, a${severity(value) === 'informational' || severity(value) === 'error' ? 'n' : ''} ` +
    `${severity(value)} status: a synchronous DDI returns STATUS_SUCCESS or an error status`;
}
