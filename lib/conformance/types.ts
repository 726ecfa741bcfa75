// The shapes every conformance rule set shares: a rule (what it says, where the rule comes from,
// which lane can show it, what it needs, who it judges, and its check), the subject a run judges
// (the hosted kernel miniport now, a user-mode Miracast driver later), and what a run reports.
// The runner knows only these types; a subject's own check context extends CheckBase.

/** Where a rule comes from: Microsoft's documentation, observed dxgkrnl behaviour, the HLK's
    tests, or this project's choice where the documentation is silent. */
export type RuleSource = 'DOC' | 'OBS' | 'HLK' | 'HIL';

/** The lane a rule's check is valid in. */
export type Lane = 'both' | 'windows' | 'wine';

/** Who a failure of the rule is against: the code under test (the hosted miniport, a UMD) or the
    harness standing in for the OS (the host, the harness's own instruments). */
export type Judged = 'miniport' | 'umd' | 'host' | 'harness';

/** Who a finding is attributed to: the judged party, or the run's configuration (a fault the
    harness was told to inject made the host misbehave on purpose). */
export type Attribution = Judged | 'configuration';

export type Verdict = 'pass' | 'fail' | 'notApplicable' | 'error';

/** Something a rule's check needs from the subject beyond the DDIs themselves. */
export interface NeedDescription {
  /** Stable id, used in rule tables (`testHooks`, `chunkPath`, ...). */
  id: string;
  /** What it is, for people: "the test-hook interface (send a message, read state, ...)". */
  what: string;
}

/** Whether the subject of this run offers a need, and how the run found out. */
export interface NeedStatus extends NeedDescription {
  available: boolean;
  detail: string;
}

/**
 * One rule of the contract. `C` is the check context the subject hands its checks. A rule without
 * a check is documented but not run: it is reported not applicable with that reason.
 */
export interface Rule<C extends CheckBase = CheckBase> {
  /** Stable id: `<subject>.<area>.<name>`, lower case and dashes (`kmd.caps.size-check`). */
  id: string;
  /** The docs' section the rule belongs to (`QueryCaps`, `Miracast class`, ...). */
  area: string;
  /** The rule, as one sentence a driver developer reads. */
  text: string;
  sources: readonly RuleSource[];
  lane: Lane;
  /** Why the rule is limited to its lane (required unless `lane` is 'both'). */
  laneReason?: string;
  judges: Judged;
  /** Need ids (the subject's need table describes them). */
  needs: readonly string[];
  /** Harness faults that by themselves make this rule fail: a finding made while one was applied
      is the run configuration's, not the judged party's. */
  trippedBy?: readonly string[];
  /** Faults the check arms itself, as its instruments: never counted as the run's configuration. */
  usesFaults?: readonly string[];
  /** Other tests of this project that check the same rule (a docs column). */
  alsoTestedBy?: string;
  check?: (context: C) => Promise<void>;
}

/** The rules of one subject kind, as they appear in one docs table. */
export interface RuleSet<C extends CheckBase = CheckBase> {
  /** Rule id prefix and docs marker: `kmd`, `umd`. */
  id: string;
  /** The docs table's heading. */
  title: string;
  /** The kind of subject these rules judge ("kernel miniport"). */
  subjectKind: string;
  needs: readonly NeedDescription[];
  rules: readonly Rule<C>[];
}

/** A rule was broken: what, with the evidence that shows it. */
export interface Finding {
  ruleId: string;
  /** The rule's text. */
  rule: string;
  /** What was seen. */
  message: string;
  evidence: string[];
  attribution: Attribution;
  /** Why the attribution is what it is (always set for 'configuration'). */
  attributionReason?: string;
  /** How to replay the exact inputs (the fuzzer's seed and case). */
  replay?: string;
}

/** Thrown by a check (through `notApplicable()`) when the subject cannot show the rule. */
export class NotApplicableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NotApplicableError';
  }
}

/** A deterministic random source (see prng.ts). */
export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  u32(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** One of the items. */
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
  /** true with probability p. */
  chance(p: number): boolean;
}

/** What the runner gives every check, whatever the subject. */
export interface CheckBase {
  readonly ruleId: string;
  /** The run's seed: what a person passes as --seed to replay the run. */
  readonly runSeed: number;
  /** This rule's seed: derived from the run's seed and the rule id, so a subset replays alike. */
  readonly seed: number;
  readonly rng: Rng;
  /** Date.now() value after which the check should wrap up (the run's time bound). */
  readonly deadline: number;
  /** Aborted when the run's time bound is reached. */
  readonly signal: AbortSignal;
  /** Records a line of evidence shown with the verdict, pass or fail. */
  evidence(line: string): void;
  /** Records a finding: the rule is broken. */
  finding(message: string, evidence?: string[], options?: { replay?: string }): void;
  /** Stops the check: the subject cannot show this rule (the reason is reported). */
  notApplicable(reason: string): never;
}

/** What a subject reports about the window a check ran in. */
export interface CheckWindowReport {
  /** Harness faults applied in the window that were not the check's own instruments. */
  configuration: string[];
  /** Findings the subject itself made about the window (e.g. left not idle). */
  findings: { message: string; evidence: string[]; attribution: Judged }[];
  /** Evidence lines the subject adds (e.g. trace events read). */
  evidence: string[];
  /** False once the subject stopped answering (a crashed driver host): later rules cannot run. */
  alive: boolean;
}

/**
 * What a run judges. The runner calls open() once, then for each rule it runs: begin() (prepare,
 * and make the check context from the runner's base), the check, end() (clean up, report the
 * window); then close(). A subject that cannot be opened makes the run "could not run" (exit 2).
 */
export interface Subject<C extends CheckBase = CheckBase> {
  /** "kernel miniport", "user-mode Miracast driver". */
  readonly kind: string;
  readonly ruleSet: RuleSet<C>;
  /** Reaches the subject and finds out which needs it offers. */
  open(): Promise<SubjectDescription>;
  begin(rule: Rule<C>, base: CheckBase): Promise<C>;
  end(rule: Rule<C>, context: C): Promise<CheckWindowReport>;
  /** The picture of what happened during the run, for the HTML report (optional). */
  timeline(): Timeline | undefined;
  close(): Promise<void>;
}

export interface SubjectDescription {
  /** What was judged, for people: "the miniport hosted by \\.\MiracastHil (contract 1.0)". */
  name: string;
  needs: NeedStatus[];
  /** Facts about the subject shown in reports (contract version, caps, ...). */
  facts: Record<string, string>;
}

/** The outcome of one rule. */
export interface RuleResult {
  id: string;
  area: string;
  text: string;
  sources: RuleSource[];
  lane: Lane;
  judges: Judged;
  needs: string[];
  verdict: Verdict;
  /** Why not applicable, or what went wrong (error). */
  reason?: string;
  /** A failure listed in the known-failures file: reported, not counted against the run. */
  expectedFailure?: string;
  /** A rule listed in the known-failures file that passed: the entry can go. */
  unexpectedPass?: boolean;
  findings: Finding[];
  evidence: string[];
  durationMs: number;
  /** Run-relative start and end of the check, in milliseconds (absent when not run). */
  startMs?: number;
  endMs?: number;
}

export interface RunCounts {
  rules: number;
  passed: number;
  failed: number;
  expectedFailures: number;
  notApplicable: number;
  errors: number;
  /** Findings by attribution (expected failures included). */
  findingsBy: Partial<Record<Attribution, number>>;
}

export interface RunResult {
  tool: 'miracast-hil conformance';
  subject: { kind: string; ruleSet: string } & SubjectDescription;
  lane: 'wine' | 'windows';
  seed: number;
  startedAt: string;
  durationMs: number;
  timeLimitMs: number;
  /** Harness faults the run was configured with (they make the host misbehave on purpose). */
  configuration: string[];
  selection: { rules: string[]; skip: string[]; knownFailuresFile?: string };
  rules: RuleResult[];
  counts: RunCounts;
  /** 0: every rule passed (or was not applicable, or failed as expected); 1: a rule failed;
      2: the run could not be completed (a rule could not run, the subject was not reachable). */
  exitCode: 0 | 1 | 2;
  timeline?: Timeline;
}

/** A subject-neutral picture of a run: rows (threads), spans (calls), marks (events). */
export interface Timeline {
  /** What the time values count ("µs since the run started"). */
  unit: string;
  rows: { id: string; label: string }[];
  spans: TimelineSpan[];
  marks: TimelineMark[];
  /** Each rule's window, for the axis. */
  windows: { ruleId: string; start: number; end: number }[];
  /** Events the trace dropped before they were read (the picture misses them). */
  lost: number;
}

export interface TimelineSpan {
  row: string;
  start: number;
  end: number;
  /** The call's name (`ioControl`). */
  name: string;
  label: string;
  /** Set when this span broke a rule (drawn in red) ... */
  violation?: string;
  /** ... or when it overlapped only because a check's own fault induced it (drawn apart). */
  induced?: string;
}

export interface TimelineMark {
  row: string;
  at: number;
  /** `callback`, `send`, `hpd`, `chunk`, `session`, `agent`, `fault`, `deliver`. */
  kind: string;
  label: string;
}
