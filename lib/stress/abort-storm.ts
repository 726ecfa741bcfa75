// Part 2: the abort/timeout storm. Sends race their completions (the kernel responder answers
// after 0-2 ms) against AbortSignals fired at random moments, timeoutMs, AbortSignal.timeout()
// a long-lived signal shared by every request that never fires, and timeouts far longer than
// the storm (their timers must go with their answers). Each promise must settle
// exactly once, with the right outcome: the echoed answer, or AbortError / TimeoutError (never an
// NtStatusError); afterwards no timer and no abort listener is left in JavaScript, nothing is in
// flight in the addon, and the driver is back at its baseline with every message called back once.
import { getEventListeners } from 'node:events';
import { openDevice } from '../device';
import { engineState } from '../contract';
import { NtStatusError } from '../errors';
import { Ledger, type Outcome } from './ledger';
import { Random } from './random';
import { checkDriverEnd, finish, type PartResult } from './part';

export interface AbortStormOptions {
  seed: number;
  sends: number;
  /** Sends kept in flight (default 256). */
  concurrency?: number;
  /** Upper bound on the storm's time (default 10 minutes). */
  timeLimitMs?: number;
}

type Mode = 'plain' | 'longTimeout' | 'abortLater' | 'abortNow' | 'abortBefore' | 'timeoutMs' | 'sharedAndTimeout' | 'signalTimeout';
const modes: readonly Mode[] = ['plain', 'longTimeout', 'abortLater', 'abortNow', 'abortBefore', 'timeoutMs', 'sharedAndTimeout', 'signalTimeout'];

/** Which outcomes each mode allows: a plain send must be answered; the others may be cut short. */
const allowed: Record<Mode, readonly Outcome[]> = {
  plain: ['resolved'],
  longTimeout: ['resolved'],
  abortLater: ['resolved', 'aborted'],
  abortNow: ['resolved', 'aborted'],
  abortBefore: ['aborted'],
  timeoutMs: ['resolved', 'timedOut'],
  sharedAndTimeout: ['resolved', 'timedOut'],
  signalTimeout: ['resolved', 'timedOut'],
};

function classify(error: unknown): Outcome {
  if (error instanceof NtStatusError) return 'failed';
  const name = (error as { name?: unknown })?.name;
  if (name === 'AbortError') return 'aborted';
  if (name === 'TimeoutError') return 'timedOut';
  return 'failed';
}

const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

export async function runAbortStorm(options: AbortStormOptions): Promise<PartResult> {
  const started = Date.now();
  const problems: string[] = [];
  const random = new Random(options.seed);
  const ledger = new Ledger();
  const concurrency = options.concurrency ?? 256;
  const deadline = started + (options.timeLimitMs ?? 600_000);
  const byMode = Object.fromEntries(modes.map((m) => [m, 0])) as Record<Mode, number>;
  let wrongOutcome = 0;
  let wrongOutput = 0;
  let nextIndex = 0;
  const shared = new AbortController();        // never aborted: must end with no listener

  const device = await openDevice();
  try {
    await device.resetFaults();
    const before = await device.stats();
    const timersBefore = activeTimers();
    const engineBefore = engineState().inFlight;
    const context = await device.createContext();
    try {
      const send = async (index: number): Promise<void> => {
        const mode = random.pick(modes);
        byMode[mode]++;
        const input = Buffer.alloc(8 + random.below(24));
        input.writeUInt32LE(index, 0);
        input.writeUInt32LE(options.seed, 4);
        let signal: AbortSignal | undefined;
        let timeoutMs: number | undefined;
        let controller: AbortController | undefined;
        switch (mode) {
          case 'abortLater': case 'abortNow': controller = new AbortController(); signal = controller.signal; break;
          case 'abortBefore': controller = new AbortController(); controller.abort(); signal = controller.signal; break;
          case 'longTimeout': timeoutMs = 600_000; break;   // its timer must go when the answer comes
          case 'timeoutMs': timeoutMs = 1 + random.below(3); break;
          case 'sharedAndTimeout': signal = shared.signal; timeoutMs = 1 + random.below(3); break;
          case 'signalTimeout': signal = AbortSignal.timeout(1 + random.below(3)); break;
          default: break;
        }
        const promise = context.sendMessage(input, { outputSize: 8, signal, timeoutMs });
        if (mode === 'abortNow') queueMicrotask(() => controller!.abort());
        if (mode === 'abortLater') setTimeout(() => controller!.abort(), random.below(3));
        const { outcome, value } = await ledger.track(promise, classify);
        if (outcome !== 'failed' && !allowed[mode].includes(outcome)) {
          wrongOutcome++;
          if (problems.length < 5) problems.push(`a ${mode} send ended ${outcome}`);
        }
        if (outcome === 'resolved' && (value?.status !== 0 || !value.output.equals(input.subarray(0, 8)))) {
          wrongOutput++;
          if (problems.length < 5) problems.push(`send ${index} got status ${value?.status} and output ${value?.output.toString('hex')}`);
        }
      };
      // Phases of responder delay (0, 1, 2 ms) so answers land before, around and after the cancels.
      const lane = async (): Promise<void> => {
        while (nextIndex < options.sends && Date.now() < deadline) {
          const index = nextIndex++;
          if (index % 2000 === 0) await device.configureResponder({ enabled: true, delayMs: (index / 2000) % 3 });
          await send(index);
        }
      };
      await device.configureResponder({ enabled: true, delayMs: 0 });
      // Every lane awaits its own send, so a promise that never settles shows up as a lane that
      // never ends: the race below bounds the wait and the ledger says how many are missing.
      const lanes = Promise.all(Array.from({ length: concurrency }, lane));
      let hung: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        lanes.then(() => 'done' as const),
        new Promise<'hung'>((resolve) => { hung = setTimeout(() => resolve('hung'), Math.max(0, deadline - Date.now()) + 30_000); }),
      ]);
      clearTimeout(hung);
      if (outcome === 'hung') problems.push(`${ledger.unsettled} sends never settled`);
    } finally {
      await device.configureResponder({ enabled: false });
      await context.destroy();
    }
    if (ledger.issued < options.sends) problems.push(`only ${ledger.issued} of ${options.sends} sends were made within the time limit`);
    if (ledger.failures.length) problems.push(`unexpected failures: ${ledger.failures.join('; ')}`);
    const listeners = getEventListeners(shared.signal, 'abort').length;
    if (listeners !== 0) problems.push(`the shared signal still has ${listeners} abort listeners`);
    const timersLeft = activeTimers() - timersBefore;
    if (timersLeft > 0) problems.push(`${timersLeft} timers left behind`);
    const inFlight = engineState().inFlight - engineBefore;
    if (inFlight !== 0) problems.push(`${inFlight} requests still in flight in the addon`);
    const end = await checkDriverEnd(device, before, problems);
    const lost = ledger.unsettled + ledger.doubleSettled + ledger.outcomes.failed + end.lost;
    return finish('abort', options.seed, started, ledger.issued, lost, problems, {
      sends: ledger.issued, settled: ledger.settled, answered: ledger.outcomes.resolved, aborted: ledger.outcomes.aborted,
      timedOut: ledger.outcomes.timedOut, failed: ledger.outcomes.failed, wrongOutcome, wrongOutput,
      cancelledInKernel: end.stats.irpsCancelledTotal - before.irpsCancelledTotal,
      messagesCalledBack: end.stats.callbacksRun - before.callbacksRun,
      sharedSignalListeners: listeners, timersLeft, concurrency,
    });
  } finally {
    await device.close();
  }
}
