// Part 5: the unload storm (mhclient unload-storm, driver/exe/mh_unload_storm.c): driver stops with
// I/O pending, each checked against the UnloadAllocationsOutstanding and UnloadIrpsPending values
// the driver writes at unload, and a restart. Wine lane only: Windows defers an unload until every
// handle closes, so there no IRP can be pending at unload (the client reports it skipped).
import { openDevice } from '../device';
import { runClient, num } from './client';
import { finish, settleToIdle, leftovers, type PartResult } from './part';

export interface UnloadOptions {
  seed: number;
  stops: number;
  clientPath: string;
}

export async function runUnloadStorm(options: UnloadOptions): Promise<PartResult> {
  const started = Date.now();
  const problems: string[] = [];
  // No handle of ours stays open across the stops: the driver goes away under it.
  const run = await runClient(options.clientPath, ['unload-storm', '--seed', String(options.seed), '--count', String(options.stops)],
    (options.stops * 30 + 60) * 1000);
  const r = run.report;
  if (r && typeof r.skipped === 'string') {
    return { ...finish('unload', options.seed, started, 0, 0, [], {}), skipped: r.skipped };
  }
  if (!r) problems.push(`the unload storm printed no report (exit ${run.code}): ${run.stderr.slice(0, 300)}`);
  else if (run.code !== 0) problems.push(`the unload storm failed: ${String(r.firstFailure || `exit ${run.code}`)}`);
  // After the last restart the library sees a working, idle driver.
  const device = await openDevice();
  try {
    const { idle, stats } = await settleToIdle(device, 10_000);
    if (!idle) problems.push(`after the storm the driver is not idle: ${leftovers(stats)}`);
  } finally {
    await device.close();
  }
  const lost = (num(r, 'lost') || 0) + (num(r, 'leakedAllocations') || 0) + (num(r, 'leakedIrps') || 0);
  return finish('unload', options.seed, started, num(r, 'stops') || 0, lost, problems, {
    stops: num(r, 'stops'), irpsIssued: num(r, 'irpsIssued'), irpsPendingAtStop: num(r, 'irpsPendingAtStop'),
    irpsCompleted: num(r, 'irpsCompleted'), leakedAllocations: num(r, 'leakedAllocations'), leakedIrps: num(r, 'leakedIrps'),
  });
}
