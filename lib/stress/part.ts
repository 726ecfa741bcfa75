// What every part of the campaign returns, and the driver-side checks they share: a part ends
// with the driver back at its per-handle baseline (no context, message, miniport block or pended
// IRP, one allocation per open handle) and with every message it caused called back exactly once.
import { isIdle, type DriverStats } from '../types';
import type { MiracastDevice } from '../device';

export type PartName = 'fuzz' | 'abort' | 'kill' | 'worker' | 'unload' | 'soak';
export const partNames: readonly PartName[] = ['fuzz', 'abort', 'kill', 'worker', 'unload', 'soak'];

export interface PartResult {
  part: PartName;
  seed: number;
  /** True only when nothing was lost and every invariant held. */
  ok: boolean;
  /** Operations the part made (IOCTLs, sends, processes, stops, ...), for the table. */
  operations: number;
  /** Requests, promises, IRPs or allocations that went missing (must be 0). */
  lost: number;
  ms: number;
  /** Figures worth a line in the table or the JSON. */
  figures: Record<string, number | string | boolean>;
  /** What broke, in words; empty when ok. */
  problems: string[];
  /** Set when the part could not run on this lane (counts as passed, and says why). */
  skipped?: string;
}

/** Reads stats until the driver is idle; returns the last read and whether it got there. */
export async function settleToIdle(device: MiracastDevice, timeoutMs: number): Promise<{ idle: boolean; stats: DriverStats }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await device.stats();
    if (isIdle(stats) || Date.now() > deadline) return { idle: isIdle(stats), stats };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls `read` until `predicate` holds or the time is up; returns the last value either way. */
export async function pollUntil<T>(read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs: number): Promise<{ met: boolean; value: T }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return { met: true, value };
    if (Date.now() > deadline) return { met: false, value };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What is left in the driver beyond the open handles' own state, in words (for a problem line). */
export function leftovers(stats: DriverStats): string {
  return `allocations ${stats.allocationsOutstanding} (handles ${stats.handlesOpen}, file contexts ${stats.fileContexts}), ` +
    `host contexts ${stats.hostContexts}, host messages ${stats.hostMessages}, miniport blocks ${stats.miniportBlocks}, ` +
    `miniport contexts ${stats.miniportContexts}, IRPs pending ${stats.irpsPending}`;
}

/**
 * The driver-side end of a part: idle again, and every message accepted since `before` called
 * back exactly once (CallbacksRun moved as far as MessagesTotal). Adds problems; returns the
 * allocations left beyond the baseline (what counts as lost).
 */
export async function checkDriverEnd(device: MiracastDevice, before: DriverStats, problems: string[], timeoutMs = 30_000): Promise<{ stats: DriverStats; lost: number }> {
  const { idle, stats } = await settleToIdle(device, timeoutMs);
  let lost = 0;
  if (!idle) {
    problems.push(`the driver is not back at its baseline after ${timeoutMs} ms: ${leftovers(stats)}`);
    lost += Math.max(0, stats.allocationsOutstanding - stats.fileContexts) + stats.irpsPending;
  }
  const messages = stats.messagesTotal - before.messagesTotal;
  const callbacks = stats.callbacksRun - before.callbacksRun;
  if (callbacks !== messages) {
    problems.push(`${messages} messages accepted but ${callbacks} callbacks ran (each must run exactly once)`);
    lost += Math.abs(messages - callbacks);
  }
  if (stats.contractViolations !== before.contractViolations) {
    problems.push(`the host saw ${stats.contractViolations - before.contractViolations} DDI contract violations`);
  }
  return { stats, lost };
}

/** A part's result from its parts. */
export function finish(part: PartName, seed: number, started: number, operations: number, lost: number,
                       problems: string[], figures: PartResult['figures']): PartResult {
  return { part, seed, ok: problems.length === 0 && lost === 0, operations, lost, ms: Date.now() - started, figures, problems };
}
