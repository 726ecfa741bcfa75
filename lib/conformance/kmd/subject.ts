// The kernel miniport as a conformance subject: the miniport the harness driver hosts, reached
// through the control device. The subject owns one control handle for the run; each check gets
// a fresh handle of its own (closing it takes the check's contexts with it), starts from the
// driver as every check expects it (no fault but the run's configured ones, responder off, one
// Miracast target), and ends with the driver idle again - or with a finding saying what was left.
// The trace is read window by window, so the run's timeline loses nothing the ring kept.
import { openDevice, type MiracastDevice } from '../../device';
import { contract } from '../../contract';
import { DeviceOpenError } from '../../open-error';
import { isIdle, type DriverStats } from '../../types';
import type { FaultSpec } from '../../faults';
import type { TraceEvent } from '../../trace';
import {
  NotApplicableError, type CheckBase, type CheckWindowReport, type Judged, type Rule, type Subject, type SubjectDescription, type Timeline,
} from '../types';
import { kmdRuleSet } from '../rules';
import type { KmdCheck } from './check-context';
import { NoAnswerError, pollUntil, settleWithin } from './check-context';
import { needsWithoutAdapter, probeNeeds } from './needs';
import { describeStartFailure, readStartRecord, type StartRecord } from './start-record';
import { buildTimeline, type TraceWindow } from './timeline';

export interface KmdSubjectOptions {
  /** The control device (default \\.\MiracastHil). */
  devicePath?: string;
  lane: 'wine' | 'windows';
  /** Harness faults armed for every check: the run's configuration (they make the host misbehave). */
  faults?: FaultSpec[];
  /** How long a single request may take before the host counts as not answering. */
  answerTimeoutMs?: number;
  /** How long to wait for the driver to be idle after a check. */
  idleTimeoutMs?: number;
  /** IoControl fuzz cases (kmd.iocontrol.fuzz). */
  fuzzCases?: number;
}

/** Most events kept for the timeline; older windows are dropped first beyond it. */
const timelineEventLimit = 40_000;

export class KmdSubject implements Subject<KmdCheck> {
  readonly kind = 'kernel miniport';
  readonly ruleSet = kmdRuleSet;
  readonly fuzzCases: number;
  readonly #options: KmdSubjectOptions;
  readonly #answerMs: number;
  readonly #idleMs: number;
  #control: MiracastDevice | undefined;
  /** Set when the control device is missing because the adapter start failed: only the start rules run. */
  #startFailure: StartRecord | undefined;
  #hooks = false;
  #alive = true;
  #traceNext = 0;
  #events: TraceEvent[] = [];
  #windows: TraceWindow[] = [];
  #lost = 0;
  #violationsAtOpen = 0;
  /** Contract violations the host counted, by the rule whose window they fell in. */
  readonly violationsByRule = new Map<string, number>();
  readonly #handles = new Map<string, MiracastDevice[]>();
  readonly #windowStart = new Map<string, { mark: number; stats: DriverStats }>();

  constructor(options: KmdSubjectOptions) {
    this.#options = options;
    this.#answerMs = options.answerTimeoutMs ?? 15_000;
    this.#idleMs = options.idleTimeoutMs ?? 10_000;
    this.fuzzCases = options.fuzzCases ?? 300;
  }

  get #device(): MiracastDevice {
    if (!this.#control) throw new Error('the subject is not open');
    return this.#control;
  }

  async open(): Promise<SubjectDescription> {
    try {
      this.#control = await openDevice(this.#options.devicePath === undefined ? undefined : { path: this.#options.devicePath });
    } catch (error) {
      // No control device: if the host recorded a failed adapter start, that is what is judged.
      const record = error instanceof DeviceOpenError && this.#options.devicePath === undefined
        ? await readStartRecord(contract) : undefined;
      if (!record?.failedStep) throw error;
      this.#startFailure = record;
      const why = `the adapter did not start: ${describeStartFailure(record)}`;
      return {
        name: `the miniport registered by ${contract.serviceName} (its adapter did not start)`,
        needs: needsWithoutAdapter(this.#options.lane, why),
        facts: { service: contract.serviceName, 'adapter start': describeStartFailure(record) },
      };
    }
    const device = this.#control;
    const info = await device.info();
    await this.#reset();
    const stats = await device.stats();
    if (stats.hostContexts !== 0) {
      throw new Error(`${stats.hostContexts} Miracast context(s) are live on ${device.path}: another program holds the ` +
        'Miracast target, and a conformance run needs it to itself');
    }
    this.#violationsAtOpen = stats.contractViolations;
    this.#traceNext = await device.traceMark();
    const needs = await probeNeeds(device, this.#options.lane);
    this.#hooks = needs.some((n) => n.id === 'testHooks' && n.available);
    const caps = await device.queryCaps().then(
      (c) => `MaxChunkPrivateDriverDataSize ${c.maxChunkPrivateDriverDataSize}, Flags 0x${c.flags.toString(16)}`,
      (error: Error) => `QueryCaps failed: ${error.message}`);
    await this.#collectTrace();   // the probes' own calls belong to no rule, but to the picture
    return {
      name: `the miniport hosted by ${device.path}`,
      needs,
      facts: {
        device: device.path,
        contract: `${info.contractVersion >>> 16}.${info.contractVersion & 0xffff}`,
        caps,
        'contract violations counted before the run': String(stats.contractViolations),
      },
    };
  }

  /** The driver as every check expects to find it; then the run's configured faults, armed again. */
  async #reset(): Promise<void> {
    const device = this.#device;
    await device.resetFaults();
    await device.configureResponder({ enabled: false });
    if (this.#hooks) await device.configureMiniport({ targetCount: 1 });
    for (const fault of this.#options.faults ?? []) {
      await device.injectFault({ ...fault, durationMs: fault.durationMs ?? device.constants.limits.maxFaultDurationMs });
    }
  }

  async begin(rule: Rule<KmdCheck>, base: CheckBase): Promise<KmdCheck> {
    if (this.#startFailure) return this.#beginWithoutAdapter(rule, base, this.#startFailure);
    const control = this.#device;
    await settleWithin(this.#reset(), this.#answerMs, 'resetting the driver before the check');
    const handles: MiracastDevice[] = [];
    this.#handles.set(rule.id, handles);
    const device = await openDevice({ path: control.path });
    handles.push(device);
    const mark = await control.traceMark();
    this.#windowStart.set(rule.id, { mark, stats: await control.stats() });
    const answerMs = this.#answerMs;
    const until = (timeoutMs: number) => Math.max(1, Math.min(timeoutMs, base.deadline - Date.now()));
    return {
      ...base,
      device,
      constants: control.constants,
      hooks: this.#hooks,
      fuzzCases: this.fuzzCases,
      violationsSoFar: async () => ({ total: await this.violationsSinceOpen(), byRule: this.violationsByRule }),
      runEvents: async () => {
        await this.#collectTrace();
        return [...this.#events];
      },
      adapterStart: async () => ({ started: true, adapter: await control.adapter() }),
      openHandle: async () => {
        const handle = await openDevice({ path: control.path });
        handles.push(handle);
        return handle;
      },
      trace: async (since = mark) => (await readAll(control, since)).events,
      traceMark: () => control.traceMark(),
      stats: () => settleWithin(control.stats(), answerMs, 'stats'),
      waitFor: (read, predicate, what, timeoutMs = 10_000) => pollUntil(read, predicate, what, until(timeoutMs)),
      within: (work, timeoutMs, what) => settleWithin(work, timeoutMs, what),
    };
  }

  /** A check of an adapter that did not start: only the start rules have something to read. */
  #beginWithoutAdapter(rule: Rule<KmdCheck>, base: CheckBase, record: StartRecord): KmdCheck {
    const why = `the adapter did not start (${describeStartFailure(record)})`;
    if (rule.area !== 'Adapter start') throw new NotApplicableError(`${why}: the ${rule.area} rules need a started adapter`);
    const unavailable = (): never => {
      throw new NotApplicableError(why);
    };
    return {
      ...base,
      get device(): never { return unavailable(); },
      get constants() { return contract; },
      hooks: false,
      fuzzCases: 0,
      violationsSoFar: unavailable,
      runEvents: unavailable,
      adapterStart: async () => ({ started: false, record }),
      openHandle: unavailable,
      trace: unavailable,
      traceMark: unavailable,
      stats: unavailable,
      waitFor: unavailable,
      within: unavailable,
    };
  }

  async end(rule: Rule<KmdCheck>, _context: KmdCheck): Promise<CheckWindowReport> {
    const report: CheckWindowReport = { configuration: [], findings: [], evidence: [], alive: true };
    if (this.#startFailure) return report;
    const handles = this.#handles.get(rule.id) ?? [];
    this.#handles.delete(rule.id);
    const start = this.#windowStart.get(rule.id);
    this.#windowStart.delete(rule.id);
    let stats: DriverStats;
    try {
      await settleWithin(Promise.all(handles.map((h) => h.close())), this.#answerMs, 'closing the check\'s handles');
      const control = this.#device;
      await settleWithin(control.resetFaults(), this.#answerMs, 'resetting faults');
      await settleWithin(control.configureResponder({ enabled: false }), this.#answerMs, 'turning the responder off');
      stats = await this.#settled(start?.stats);
    } catch (error) {
      if (error instanceof NoAnswerError || isDeviceGone(error)) {
        this.#alive = false;
        report.alive = false;
        report.findings.push({
          message: `the driver host stopped answering during this check (${(error as Error).message}): it crashed or hangs`,
          evidence: [], attribution: rule.judges,
        });
        return report;
      }
      throw error;
    }
    const from = start?.mark ?? this.#traceNext;
    const windowEvents = (await this.#collectTrace()).filter((e) => e.sequence >= from);
    if (start && !settledSince(stats, start.stats)) report.findings.push(...leftovers(stats, start.stats, windowEvents));
    if (start) {
      const added = stats.contractViolations - start.stats.contractViolations;
      if (added > 0) {
        this.violationsByRule.set(rule.id, added);
        report.evidence.push(`the host counted ${added} contract violation(s) of the miniport during this check`);
      }
    }
    const own = rule.usesFaults ?? [];
    report.configuration = [...new Set(windowEvents.flatMap((e) => (e.kind === 'fault' && !own.includes(e.fault) ? [e.fault] : [])))];
    if (windowEvents.length > 0) {
      this.#windows.push({ ruleId: rule.id, from, to: windowEvents[windowEvents.length - 1].sequence, ownFaults: own });
    }
    return report;
  }

  /**
   * Waits until the driver holds no more than when the check began (contexts, messages, IRPs,
   * miniport blocks and allocations), or until what it holds has stopped changing for a second
   * (a leak: waiting longer would only slow every later check). Returns the last stats.
   */
  async #settled(start: DriverStats | undefined): Promise<DriverStats> {
    const read = () => settleWithin(this.#device.stats(), this.#answerMs, 'stats');
    const done = (s: DriverStats) => (start ? settledSince(s, start) : isIdle(s));
    const deadline = Date.now() + this.#idleMs;
    let stats = await read();
    let last = holdings(stats).join();
    let stableSince = Date.now();
    while (!done(stats) && Date.now() < deadline && Date.now() - stableSince < 1000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stats = await read();
      if (holdings(stats).join() !== last) {
        last = holdings(stats).join();
        stableSince = Date.now();
      }
    }
    return stats;
  }

  /** Reads the trace from where the last read ended; keeps the events for the timeline. */
  async #collectTrace(): Promise<TraceEvent[]> {
    const read = await readAll(this.#device, this.#traceNext);
    this.#lost += read.lost;
    this.#traceNext = read.nextSequence;
    this.#events.push(...read.events);
    if (this.#events.length > timelineEventLimit) {
      const dropped = this.#events.length - timelineEventLimit;
      this.#events.splice(0, dropped);
      this.#lost += dropped;
    }
    return read.events;
  }

  /** The host's contract-violation count since the run opened the subject. */
  async violationsSinceOpen(): Promise<number> {
    return (await this.#device.stats()).contractViolations - this.#violationsAtOpen;
  }

  timeline(): Timeline | undefined {
    return this.#events.length === 0 ? undefined : buildTimeline(this.#events, this.#windows, this.#lost);
  }

  async close(): Promise<void> {
    const control = this.#control;
    this.#control = undefined;
    if (!control) return;
    if (this.#alive) {
      await control.resetFaults().catch(() => undefined);
      await control.configureResponder({ enabled: false }).catch(() => undefined);
    }
    await control.close();
  }
}

/** Reads the trace from `since` to its end, page by page (one read returns at most the ring's size). */
async function readAll(device: MiracastDevice, since: number): Promise<{ events: TraceEvent[]; nextSequence: number; lost: number }> {
  const events: TraceEvent[] = [];
  let lost = 0;
  let next = since;
  for (;;) {
    const read = await device.trace({ since: next });
    events.push(...read.events);
    lost += read.lost;
    if (read.events.length === 0 || read.nextSequence === next) return { events, nextSequence: read.nextSequence, lost };
    next = read.nextSequence;
  }
}

/** What the driver holds that a finished check should have given back. */
function holdings(s: DriverStats): number[] {
  return [s.hostContexts, s.hostMessages, s.irpsPending, s.miniportBlocks, s.miniportContexts, s.allocationsOutstanding - s.fileContexts];
}

/** Nothing left from the check: no context, message or pended IRP, and the miniport and the pool
    back where they were when it began (what an earlier check leaked is not this one's). */
function settledSince(now: DriverStats, start: DriverStats): boolean {
  return now.hostContexts === 0 && now.hostMessages === 0 && now.irpsPending === 0 &&
    now.miniportBlocks <= start.miniportBlocks && now.miniportContexts <= start.miniportContexts &&
    now.allocationsOutstanding - now.fileContexts <= start.allocationsOutstanding - start.fileContexts;
}

/** What a check left behind, and who holds it: the trace says whether the host called
    DestroyContext for every context the miniport created. */
function leftovers(stats: DriverStats, start: DriverStats, events: readonly TraceEvent[]): { message: string; evidence: string[]; attribution: Judged }[] {
  const found: { message: string; evidence: string[]; attribution: Judged }[] = [];
  const evidence = [`driver stats after the check (at its start): miniportBlocks ${stats.miniportBlocks} (${start.miniportBlocks}), ` +
    `miniportContexts ${stats.miniportContexts} (${start.miniportContexts}), hostContexts ${stats.hostContexts}, hostMessages ` +
    `${stats.hostMessages}, irpsPending ${stats.irpsPending}, allocationsOutstanding ${stats.allocationsOutstanding} ` +
    `(${start.allocationsOutstanding}), handlesOpen ${stats.handlesOpen} (${start.handlesOpen})`];
  const blocks = stats.miniportBlocks - start.miniportBlocks;
  if (blocks > 0) {
    found.push({ message: `the miniport kept ${blocks} send block(s) after every callback ran: a leak`, evidence, attribution: 'miniport' });
  }
  const contexts = stats.miniportContexts - start.miniportContexts;
  if (contexts > 0) {
    const created = events.filter((e) => e.kind === 'ddiExit' && e.ddi === 'createContext' && e.status === 0).length;
    const destroyed = events.filter((e) => e.kind === 'ddiEnter' && e.ddi === 'destroyContext').length;
    found.push(created > destroyed
      ? { message: `the host called DestroyContext ${destroyed} time(s) for ${created} context(s) the miniport created`, evidence, attribution: 'host' }
      : { message: `the miniport kept ${contexts} context allocation(s) after DestroyContext`, evidence, attribution: 'miniport' });
  }
  if (found.length === 0) {
    found.push({ message: 'the host was not idle after the check (contexts, messages, IRPs or allocations left)', evidence, attribution: 'host' });
  }
  return found;
}

function isDeviceGone(error: unknown): boolean {
  const status = (error as { status?: number })?.status;
  // The device object went away (the driver host crashed or was unloaded under the run).
  return status === 0xc0000034 || status === 0xc000000e || status === 0xc0000128;
}
