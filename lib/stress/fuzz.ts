// Part 1: the raw IOCTL fuzz of every control code (mhclient fuzz, driver/exe/mh_fuzz.c). The
// client checks its own side (every IOCTL completed once, the service RUNNING, a new handle works,
// the driver idle); this side checks it again through the addon and counts the callbacks.
import { openDevice } from '../device';
import { runClient, num } from './client';
import { checkDriverEnd, finish, type PartResult } from './part';

export interface FuzzOptions {
  seed: number;
  ioctls: number;
  threads?: number;
  /** Upper bound on the fuzz's own time. */
  seconds?: number;
  clientPath: string;
}

export async function runFuzz(options: FuzzOptions): Promise<PartResult> {
  const started = Date.now();
  const problems: string[] = [];
  const device = await openDevice();
  try {
    const before = await device.stats();
    const seconds = options.seconds ?? 1800;
    const run = await runClient(options.clientPath, [
      'fuzz', '--seed', String(options.seed), '--ioctls', String(options.ioctls),
      '--threads', String(options.threads ?? 4), '--seconds', String(seconds),
    ], (seconds + 120) * 1000);
    const r = run.report;
    if (!r) problems.push(`the fuzz printed no report (exit ${run.code}): ${run.stderr.slice(0, 300)}`);
    else if (run.code !== 0) problems.push(`the fuzz failed (exit ${run.code}): ${String(r.why || 'see its report')}`);
    const ioctls = num(r, 'ioctls');
    const lostIrps = num(r, 'lost');
    const unanswered = ioctls - num(r, 'failedAtOnce') - num(r, 'completions');
    if (r && unanswered !== 0) problems.push(`${unanswered} IOCTLs neither refused at issue nor completed`);
    if (r && r.serviceRunning !== true) problems.push('the service is not RUNNING after the fuzz');
    if (r && r.deviceWorks !== true) problems.push(`the device does not work after the fuzz: ${String(r.why)}`);
    if (r && num(r, 'contractCodesHit') !== num(r, 'contractCodes')) {
      problems.push(`only ${num(r, 'contractCodesHit')} of ${num(r, 'contractCodes')} contract IOCTLs were fuzzed`);
    }
    // The fuzz asks the test miniport for contract violations (MP_CMD_INDICATE with random
    // arguments, a second live context when CONFIGURE_MINIPORT allows it; REPORT_CHUNKS'
    // misreports are bad chunks, refused but not violations). Whether a random one meets a live
    // context of its own handle is timing's; the one it plants at the end always does, and the
    // client fails (violationPlanted false) when the host did not count it.
    if (r && r.violationPlanted !== true) problems.push('the host did not count the violation the fuzz planted');
    const end = await checkDriverEnd(device, before, problems, undefined, true);
    const lost = (Number.isFinite(lostIrps) ? lostIrps : 0) + Math.max(0, unanswered || 0) + end.lost;
    return finish('fuzz', options.seed, started, Number.isFinite(ioctls) ? ioctls : 0, lost, problems, {
      ioctls, threads: num(r, 'threads'), completions: num(r, 'completions'), refusedAtIssue: num(r, 'failedAtOnce'),
      succeeded: num(r, 'succeeded'), mutated: num(r, 'mutated'), foreignCodes: num(r, 'foreignCodes'),
      cancels: num(r, 'cancels'), handleCloses: num(r, 'closes'), closedInFlight: num(r, 'closedInFlight'),
      contractCodes: num(r, 'contractCodes'), distinctStatuses: r ? Object.keys((r.statuses as object) ?? {}).length : 0,
      messagesCalledBack: end.stats.callbacksRun - before.callbacksRun,
      contractViolationsRequested: end.stats.contractViolations - before.contractViolations,
      ioctlsPerSecond: Math.round(ioctls / (num(r, 'ms') / 1000)),
    });
  } finally {
    await device.close();
  }
}
