// What a kernel-miniport check works with: its own handle on the control device (others on
// request), the contract's constants, whether the miniport offers test hooks, the trace since the
// check began, and waits that end on a condition or the run's deadline - never on a fixed sleep.
import type { MiracastDevice } from '../../device';
import type { NativeConstants } from '../../binding';
import type { TraceEvent } from '../../trace';
import type { DriverStats } from '../../types';
import type { AdapterInfo } from '../../hosted';
import type { CheckBase } from '../types';
import type { StartRecord } from './start-record';

/** The adapter as the run found it: started (the host's record of it), or not (the service key's record). */
export type AdapterStart = { started: true; adapter: AdapterInfo } | { started: false; record: StartRecord };

export interface KmdCheck extends CheckBase {
  /** This check's own handle; closed (its contexts destroyed) when the check ends. */
  readonly device: MiracastDevice;
  readonly constants: NativeConstants;
  /** The miniport offers the test-hook interface. */
  readonly hooks: boolean;
  /** IoControl fuzz cases to run (kmd.iocontrol.fuzz). */
  readonly fuzzCases: number;
  /** Contract violations the host counted since the run began, and in which checks' windows. */
  violationsSoFar(): Promise<{ total: number; byRule: ReadonlyMap<string, number> }>;
  /** The trace events of the whole run so far (the timeline's; older ones may have been dropped). */
  runEvents(): Promise<TraceEvent[]>;
  /** Whether the adapter started, and the record that says so. */
  adapterStart(): Promise<AdapterStart>;
  /** Another handle (another "process" as far as the host's ownership goes); closed when the check ends. */
  openHandle(): Promise<MiracastDevice>;
  /** Trace events recorded since the check began (or since `since`). */
  trace(since?: number): Promise<TraceEvent[]>;
  /** The sequence number the next trace event gets. */
  traceMark(): Promise<number>;
  stats(): Promise<DriverStats>;
  /** Polls `read` until `predicate` holds; throws naming `what` when `timeoutMs` (or the deadline) passes. */
  waitFor<T>(read: () => Promise<T>, predicate: (value: T) => boolean, what: string, timeoutMs?: number): Promise<T>;
  /** Settles like `work`, or rejects when it has not settled after `timeoutMs`: a request the host never completes. */
  within<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T>;
}

/** A request that did not complete in time: the host hung, or the call blocked. */
export class NoAnswerError extends Error {
  readonly code = 'ERR_CONFORMANCE_NO_ANSWER';
  constructor(what: string, timeoutMs: number) {
    super(`${what}: no answer within ${timeoutMs} ms`);
    this.name = 'NoAnswerError';
  }
}

/** How a request ended: its value, or the error it rejected with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function outcome<T>(work: Promise<T>): Promise<Outcome<T>> {
  return work.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}

/** The NTSTATUS an error carries (NtStatusError), or undefined. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' && (error as Error)?.name === 'NtStatusError' ? status : undefined;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function pollUntil<T>(read: () => Promise<T>, predicate: (value: T) => boolean, what: string,
                                   timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!predicate(value)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`);
    }
    await pause(20);
    value = await read();
  }
  return value;
}

export function settleWithin<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(what, timeoutMs)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
