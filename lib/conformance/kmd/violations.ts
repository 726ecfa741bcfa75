// The contract violations the host detects itself (MH_VIOLATION_KINDS in the contract header), as
// dxgkrnl or Driver Verifier would see them: each is counted, traced with its kind, and belongs to
// exactly one rule, whose check reports it. kmd.host.no-violations reports only the kinds no rule
// claims, so that a broken miniport fails the rule it broke and no other.
import type { TraceEvent } from '../../trace';
import type { KmdCheck } from './check-context';

export type ViolationEvent = Extract<TraceEvent, { kind: 'violation' }>;

/** Violation kind -> the rule whose finding it is. */
export const violationRules: Readonly<Record<string, string>> = {
  CAPS_RESERVED: 'kmd.caps.flags',
  CAPS_NO_HDCP: 'kmd.caps.flags',
  CAPS_OVERRUN: 'kmd.caps.no-write-past-size',
  TARGET_NOT_CHILD: 'kmd.create.target-is-child',
  SECOND_CONTEXT: 'kmd.create.one-target',
  STALE_CALLBACKS: 'kmd.create.callbacks-copied',
  NO_DEPARTURE: 'kmd.destroy.departure',
  BYTES_RETURNED: 'kmd.iocontrol.bytes-returned',
  IOCONTROL_OVERRUN: 'kmd.iocontrol.fuzz',
  FREED_BEFORE_CALLBACK: 'kmd.pool.no-write-after-free',
  LEAK_AT_DESTROY: 'kmd.pool.no-leak',
  DDI_OVERRUN: 'kmd.ddi.bounded',
  TWO_MIRACAST: 'kmd.start.one-miracast-child',
  NO_MIRACAST: 'kmd.start.one-miracast-child',
  HPD_NOT_INTERRUPTIBLE: 'kmd.start.hpd-interruptible',
  CONNECTED_AT_START: 'kmd.start.hpd-interruptible',
};

export function violationsOf(events: readonly TraceEvent[], kinds?: readonly string[]): ViolationEvent[] {
  return events.filter((e): e is ViolationEvent => e.kind === 'violation' && (kinds === undefined || kinds.includes(e.violation)));
}

/** "CAPS_OVERRUN (QueryCaps wrote past MiracastCapsSize ...) at trace 123, Arg0 8, Arg1 0". */
export function describeViolation(c: Pick<KmdCheck, 'constants'>, e: ViolationEvent): string {
  const what = c.constants.violationDescriptions[e.violation] ?? 'unknown kind';
  return `${e.violation} at trace ${e.sequence}${e.contextId ? ` (context ${e.contextId})` : ''}: ${what}; Arg0 ${e.arg0}, Arg1 ${e.arg1}`;
}

/**
 * Reports each violation of `kinds` the host traced since the check began (or since `since`) as a
 * finding, with `message` saying what it means for the rule. Returns how many there were.
 */
export async function reportViolations(c: KmdCheck, kinds: readonly string[], message: (e: ViolationEvent) => string,
                                       since?: number): Promise<number> {
  const found = violationsOf(await c.trace(since), kinds);
  for (const e of found) c.finding(message(e), [describeViolation(c, e)]);
  if (found.length === 0) c.evidence(`the host traced no ${kinds.join(' or ')} violation during the check`);
  return found.length;
}
