// The conformance runner: runs a subject's rules and gives each a verdict - pass, fail (with
// findings: rule, text, evidence, who is to blame), not applicable (with the reason; never a
// silent skip) or error (the check could not run) - under a seed and a time bound, with rules
// selected, skipped or expected to fail as HLK playlists allow. It knows nothing about what the
// subject is: the kernel miniport, a UMD, anything that implements Subject.
import { createRng, deriveSeed } from './prng';
import { deselectionReason, patternMatcher, unmatchedPatterns, type Selection } from './select';
import {
  NotApplicableError, type Attribution, type CheckBase, type CheckWindowReport, type Finding, type NeedStatus, type Rule, type RuleResult,
  type RunCounts, type RunResult, type Subject,
} from './types';

export interface RunOptions {
  seed: number;
  /** Whole-run bound in milliseconds: rules not started by then are reported as errors. */
  timeLimitMs: number;
  lane: 'wine' | 'windows';
  selection?: Selection;
  /** Rule id (or pattern) -> why it is expected to fail. */
  knownFailures?: Map<string, string>;
  knownFailuresFile?: string;
  /** Harness faults the run was configured with (for the report; the subject applies them). */
  configuration?: string[];
  /** Told before each rule runs and after it has a verdict (progress display). */
  onRuleStart?: (rule: Rule<never>, index: number, total: number) => void;
  onRuleDone?: (result: RuleResult, index: number, total: number) => void;
}

/** Raised when the run cannot start: the subject is unreachable, or the options name unknown rules. */
export class RunSetupError extends Error {
  readonly code = 'ERR_CONFORMANCE_SETUP';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunSetupError';
  }
}

function laneMismatch(rule: Rule<never>, lane: 'wine' | 'windows'): string | undefined {
  if (rule.lane === 'both' || rule.lane === lane) return undefined;
  return `valid in the ${rule.lane === 'windows' ? 'Windows' : 'Wine'} lane only${rule.laneReason ? `: ${rule.laneReason}` : ''}`;
}

function knownFailureFor(id: string, known: Map<string, string> | undefined): string | undefined {
  if (!known) return undefined;
  for (const [pattern, reason] of known) {
    if (patternMatcher(pattern)(id)) return reason === '' ? 'listed as a known failure' : reason;
  }
  return undefined;
}

/** Who a finding is against, given the faults applied while its check ran. */
function attribute(rule: Rule<never>, judged: Attribution, configuration: string[]): Pick<Finding, 'attribution' | 'attributionReason'> {
  if (configuration.length === 0) return { attribution: judged };
  const tripping = configuration.filter((f) => rule.trippedBy?.includes(f));
  const faults = configuration.join(', ');
  return {
    attribution: 'configuration',
    attributionReason: tripping.length > 0
      ? `the run's configuration: the harness applied ${faults} during this check, and ${tripping.join(', ')} makes the ` +
        `host itself break this rule; the ${rule.judges} is not to blame`
      : `the run's configuration: the harness applied ${faults} during this check, so the host did not behave as the OS ` +
        `would; this finding may come from that rather than from the ${rule.judges}`,
  };
}

function emptyCounts(): RunCounts {
  return { rules: 0, passed: 0, failed: 0, expectedFailures: 0, notApplicable: 0, errors: 0, findingsBy: {} };
}

export function countResults(results: readonly RuleResult[]): RunCounts {
  const counts = emptyCounts();
  for (const r of results) {
    counts.rules++;
    if (r.verdict === 'pass') counts.passed++;
    else if (r.verdict === 'notApplicable') counts.notApplicable++;
    else if (r.verdict === 'error') counts.errors++;
    else if (r.expectedFailure !== undefined) counts.expectedFailures++;
    else counts.failed++;
    for (const f of r.findings) counts.findingsBy[f.attribution] = (counts.findingsBy[f.attribution] ?? 0) + 1;
  }
  return counts;
}

/** TAEF's exit codes: 0 all passed, 1 a rule failed, 2 could not run. */
export function exitCodeFor(counts: RunCounts): 0 | 1 | 2 {
  if (counts.failed > 0) return 1;
  if (counts.errors > 0) return 2;
  return 0;
}

/** A rule's result before it ran. */
function resultShell(rule: Rule<never>): RuleResult {
  return {
    id: rule.id, area: rule.area, text: rule.text, sources: [...rule.sources], lane: rule.lane, judges: rule.judges,
    needs: [...rule.needs], verdict: 'notApplicable', findings: [], evidence: [], durationMs: 0,
  };
}

/**
 * Runs the subject's rules. Throws RunSetupError when the run cannot start (exit code 2); otherwise
 * every rule of the subject's rule set has exactly one result, in the rule set's order.
 */
export async function runConformance<C extends CheckBase>(subject: Subject<C>, options: RunOptions): Promise<RunResult> {
  const rules = subject.ruleSet.rules as readonly Rule<C>[];
  const ids = rules.map((r) => r.id);
  const selection: Selection = options.selection ?? { rules: [], skip: [] };
  const unknown = [
    ...unmatchedPatterns(ids, selection.rules).map((p) => `--rule ${p}`),
    ...unmatchedPatterns(ids, selection.skip).map((p) => `--skip ${p}`),
    ...unmatchedPatterns(ids, [...(options.knownFailures?.keys() ?? [])]).map((p) => `known failure ${p}`),
  ];
  if (unknown.length > 0) {
    throw new RunSetupError(`no rule matches ${unknown.join(', ')} (list the rules with --list)`);
  }

  const started = Date.now();
  const deadline = started + options.timeLimitMs;
  const startedAt = new Date(started).toISOString();
  let description;
  try {
    description = await subject.open();
  } catch (error) {
    throw new RunSetupError(`cannot open the ${subject.kind}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const needs = new Map(description.needs.map((n) => [n.id, n]));
  const timeUp = new AbortController();
  const timer = setTimeout(() => timeUp.abort(new Error('the time bound was reached')), options.timeLimitMs);
  timer.unref?.();

  const results: RuleResult[] = [];
  let deadSince: string | undefined;
  try {
    for (const [index, rule] of rules.entries()) {
      const result = resultShell(rule as Rule<never>);
      results.push(result);
      options.onRuleStart?.(rule as Rule<never>, index, rules.length);
      const reason =
        deselectionReason(rule.id, selection) ??
        laneMismatch(rule as Rule<never>, options.lane) ??
        missingNeed(rule.needs, needs) ??
        (rule.check ? undefined : 'no check is written for this rule yet');
      if (reason !== undefined) {
        result.reason = reason;
      } else if (deadSince !== undefined) {
        result.verdict = 'error';
        result.reason = `not run: the ${subject.kind} stopped answering during ${deadSince}`;
      } else if (Date.now() >= deadline) {
        result.verdict = 'error';
        result.reason = `not run: the time bound of ${options.timeLimitMs} ms was reached`;
      } else {
        const window = await runOne(subject, rule, result, options.seed, deadline, timeUp.signal, started);
        if (!window.alive) deadSince = rule.id;
      }
      const known = knownFailureFor(rule.id, options.knownFailures);
      if (known !== undefined && result.verdict === 'fail') result.expectedFailure = known;
      if (known !== undefined && result.verdict === 'pass') result.unexpectedPass = true;
      options.onRuleDone?.(result, index, rules.length);
    }
  } finally {
    clearTimeout(timer);
    await subject.close().catch(() => undefined);
  }
  const counts = countResults(results);
  return {
    tool: 'miracast-hil conformance',
    subject: { kind: subject.kind, ruleSet: subject.ruleSet.id, ...description },
    lane: options.lane,
    seed: options.seed,
    startedAt,
    durationMs: Date.now() - started,
    timeLimitMs: options.timeLimitMs,
    configuration: options.configuration ?? [],
    selection: { rules: selection.rules, skip: selection.skip, knownFailuresFile: options.knownFailuresFile },
    rules: results,
    counts,
    exitCode: exitCodeFor(counts),
    timeline: subject.timeline(),
  };
}

/** Runs one rule's check inside the subject's begin/end and fills in its verdict. */
async function runOne<C extends CheckBase>(subject: Subject<C>, rule: Rule<C>, result: RuleResult, runSeed: number,
                                           deadline: number, signal: AbortSignal, runStart: number): Promise<CheckWindowReport> {
  const raw: { message: string; evidence: string[]; replay?: string }[] = [];
  const seed = deriveSeed(runSeed, rule.id);
  const base: CheckBase = {
    ruleId: rule.id,
    runSeed,
    seed,
    rng: createRng(seed),
    deadline,
    signal,
    evidence: (line) => void result.evidence.push(line),
    finding: (message, evidence = [], extra = {}) => void raw.push({ message, evidence, replay: extra.replay }),
    notApplicable: (reason) => {
      throw new NotApplicableError(reason);
    },
  };
  const t0 = Date.now();
  result.startMs = t0 - runStart;
  let window: CheckWindowReport = { configuration: [], findings: [], evidence: [], alive: true };
  let context: C | undefined;
  try {
    context = await subject.begin(rule, base);
    await untilDeadline(rule.check!(context), signal, rule.id);
    result.verdict = 'pass';
  } catch (error) {
    if (error instanceof NotApplicableError) {
      result.verdict = 'notApplicable';
      result.reason = error.reason;
    } else {
      result.verdict = 'error';
      result.reason = describeError(error);
    }
  } finally {
    if (context !== undefined) {
      try {
        window = await subject.end(rule, context);
      } catch (error) {
        window = { configuration: [], findings: [], evidence: [], alive: false };
        result.evidence.push(`cleanup after the check failed: ${describeError(error)}`);
      }
    }
  }
  result.evidence.push(...window.evidence);
  for (const f of raw) {
    result.findings.push({ ruleId: rule.id, rule: rule.text, message: f.message, evidence: f.evidence, replay: f.replay,
      ...attribute(rule as Rule<never>, rule.judges, window.configuration) });
  }
  for (const f of window.findings) {
    result.findings.push({ ruleId: rule.id, rule: rule.text, message: f.message, evidence: f.evidence,
      ...attribute(rule as Rule<never>, f.attribution, window.configuration) });
  }
  // A check that found the rule broken fails even if it then could not finish.
  if (result.findings.length > 0 && result.verdict !== 'notApplicable') {
    if (result.verdict === 'error') result.evidence.push(`the check then stopped: ${result.reason}`);
    result.verdict = 'fail';
    delete result.reason;
  }
  result.durationMs = Date.now() - t0;
  result.endMs = result.startMs + result.durationMs;
  return window;
}

function untilDeadline<T>(work: Promise<T>, signal: AbortSignal, ruleId: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(`${ruleId}: the time bound was reached`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('the check did not finish within the run\'s time bound'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The first need the subject does not offer, as the not-applicable reason. */
function missingNeed(ruleNeeds: readonly string[], offered: Map<string, NeedStatus>): string | undefined {
  for (const id of ruleNeeds) {
    const need = offered.get(id);
    if (need === undefined) return `needs '${id}', which this subject does not describe`;
    if (!need.available) return `needs ${need.what}: ${need.detail}`;
  }
  return undefined;
}
