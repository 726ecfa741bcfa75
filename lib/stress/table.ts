// The campaign's closing table: one row per part, the seed on top, and the verdict last.
import type { PartResult } from './part';

const FIGURES: Record<string, string[]> = {
  fuzz: ['threads', 'completions', 'refusedAtIssue', 'cancels', 'closedInFlight', 'contractCodes', 'ioctlsPerSecond'],
  abort: ['answered', 'aborted', 'timedOut', 'cancelledInKernel', 'sharedSignalListeners', 'timersLeft'],
  kill: ['processesKilled', 'requestsPerProcess', 'inFlightAtKill', 'slowestFirstCancelMs', 'messagesCalledBack'],
  worker: ['workersTerminated', 'requestsPerWorker', 'inFlightAtTerminate', 'slowestFirstCancelMs', 'slowestTerminateMs', 'messagesCalledBack'],
  unload: ['stops', 'irpsPendingAtStop', 'irpsCompleted', 'leakedAllocations', 'leakedIrps'],
  soak: ['durationS', 'rssStartMiB', 'rssEndMiB', 'rssSlopeMiBPerMin', 'rssFittedGrowthMiB', 'heapSlopeMiBPerMin'],
};

export function formatTable(seed: number, parts: PartResult[]): string {
  const rows = parts.map((p) => [
    p.part,
    String(p.seed),
    p.operations.toLocaleString('en-US'),
    String(p.lost),
    p.skipped ? 'skipped' : p.ok ? 'ok' : 'FAILED',
    `${(p.ms / 1000).toFixed(1)} s`,
    p.skipped ? p.skipped : (FIGURES[p.part] ?? []).filter((k) => p.figures[k] !== undefined).map((k) => `${k} ${p.figures[k]}`).join(', '),
  ]);
  const head = ['part', 'seed', 'operations', 'lost', 'result', 'time', 'figures'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 6 ? 0 : r[i].length))));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 6 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const ok = parts.every((p) => p.ok);
  const lost = parts.reduce((sum, p) => sum + p.lost, 0);
  return [
    `stress campaign, seed ${seed}`,
    line(head),
    line(widths.map((w, i) => (i === 6 ? '-------' : '-'.repeat(w)))),
    ...rows.map(line),
    ...parts.filter((p) => p.problems.length).map((p) => `${p.part}: ${p.problems.join('; ')}`),
    ok ? `nothing lost (seed ${seed})` : `LOST or broken: ${lost} lost, ${parts.filter((p) => !p.ok).map((p) => p.part).join(', ')} failed (replay: --seed ${seed})`,
  ].join('\n');
}
