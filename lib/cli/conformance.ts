// `miracast-hil conformance`: judges the miniport the loaded harness hosts against the Miracast
// DDI contract (on Windows the installed harness, on Linux the Wine lane), with the options HLK
// playlists offer, and writes what CI and people read. Exit codes as TAEF's: 0 every rule passed
// (or was not applicable, or failed as expected), 1 a rule failed, 2 the run could not be made.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { faultKindNames, type FaultSpec } from '../faults';
import { parseSeed, randomSeed } from '../conformance/prng';
import { parseKnownFailures } from '../conformance/select';
import { runConformance, RunSetupError } from '../conformance/runner';
import { ruleSets } from '../conformance/catalog';
import { renderRuleTable } from '../conformance/doc';
import { KmdSubject } from '../conformance/kmd/subject';
import { UmdSubject, umdRuleSet } from '../conformance/umd/subject';
import { formatSummary } from '../conformance/report/text';
import { formatJUnit } from '../conformance/report/junit';
import { formatHtml } from '../conformance/report/html';
import type { RuleSet, RunResult, Subject } from '../conformance/types';
import { CouldNotRunError, integerOption, parseCommandArgs, UsageError, type CliCommand, type CliIo } from './command';
import { createProgress } from './progress';

const name = 'conformance';
const summary = 'judge the hosted miniport against the Miracast DDI contract (rules, fuzzing, JUnit and HTML reports)';
const usage = `usage: miracast-hil conformance [options]

Runs the conformance rules against the miniport the loaded harness driver hosts (on Windows the
installed harness, on Linux the Wine lane) and reports a verdict per rule: pass, fail (with
findings: rule, evidence, and who is to blame), not applicable (with the reason) or error.

options:
  --rule PATTERN           run only rules whose id matches (repeatable; comma-separated; * matches any text)
  --skip PATTERN           skip matching rules (reported not applicable: skipped)
  --known-failures FILE    rules expected to fail (JSON {"id": "reason"}, or lines "id  reason"):
                           reported as expected failures, not counted against the run
  --seed N                 the seed (decimal or 0x-hex); a finding's seed replays it (default: random)
  --time-limit MS          bound for the whole run in milliseconds (default 300000)
  --fuzz-cases N           IoControl fuzz cases (default 300)
  --fault KIND|JSON        run with a host fault armed for every check (repeatable), e.g. lockBypass or
                           '{"kind":"callbackDelay","delayMs":50}': the host misbehaves on purpose, and the
                           findings that causes are attributed to the configuration, not to the miniport
  --device PATH            the harness's control device (default \\\\.\\MiracastHil)
  --lane wine|windows      the lane, for lane-specific rules (default: detected)
  --umd DLL                judge a user-mode Miracast driver DLL instead: the UMD host runs one session with it
                           and its rules (lib/umd/rules.ts) are judged through the same runner and reports
  --json                   print the result as JSON on stdout (the summary goes to stderr)
  --junit FILE             write JUnit XML: one test case per rule
  --report FILE.html       write a self-contained HTML report with the DDI timeline
  --list                   list the rules and exit
  --doc                    print the rule tables of docs/contract.md and exit
  -h, --help               this text

Exit codes: 0 every rule passed (or was not applicable, or failed as expected), 1 a rule failed,
2 the run could not be made`;

function patterns(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function parseFault(text: string): FaultSpec {
  let spec: unknown = { kind: text };
  if (text.trim().startsWith('{')) {
    try {
      spec = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--fault: not valid JSON (${(error as Error).message})`);
    }
  }
  const kind = (spec as { kind?: unknown })?.kind;
  if (typeof kind !== 'string' || !(kind in faultKindNames)) {
    throw new UsageError(`--fault: the kind must be one of ${Object.keys(faultKindNames).join(', ')}, not '${String(kind)}'`);
  }
  return spec as FaultSpec;
}

function detectLane(option: string | undefined, env: NodeJS.ProcessEnv): 'wine' | 'windows' {
  const value = option ?? env.MIRACAST_HIL_LANE;
  if (value !== undefined) {
    if (value !== 'wine' && value !== 'windows') throw new UsageError(`--lane must be wine or windows, not '${value}'`);
    return value;
  }
  // Wine passes the Unix environment through: its own variables say where we run.
  return env.WINEPREFIX !== undefined || env.WINELOADER !== undefined || env.WINEDLLOVERRIDES !== undefined ? 'wine' : 'windows';
}

function writeOutput(file: string, text: string): string {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
  return target;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values: o } = parseCommandArgs(args, {
    rule: { type: 'string', multiple: true },
    skip: { type: 'string', multiple: true },
    'known-failures': { type: 'string' },
    seed: { type: 'string' },
    'time-limit': { type: 'string' },
    'fuzz-cases': { type: 'string' },
    fault: { type: 'string', multiple: true },
    device: { type: 'string' },
    lane: { type: 'string' },
    umd: { type: 'string' },
    junit: { type: 'string' },
    report: { type: 'string' },
    list: { type: 'boolean' },
    doc: { type: 'boolean' },
  });
  if (o.help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  if (o.list) {
    for (const set of o.umd !== undefined ? [umdRuleSet as unknown as RuleSet<never>] : ruleSets) {
      for (const rule of set.rules) io.stdout.write(`${rule.id}\t${rule.needs.length ? `needs ${rule.needs.join(', ')}` : '-'}\t${rule.text}\n`);
    }
    return 0;
  }
  if (o.doc) {
    io.stdout.write(`${ruleSets.map((set) => renderRuleTable(set)).join('\n\n')}\n`);
    return 0;
  }
  const lane = detectLane(o.lane, io.env);
  let seed: number;
  try {
    seed = o.seed === undefined ? randomSeed() : parseSeed(o.seed);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  const timeLimitMs = integerOption(o['time-limit'], 'time-limit', 1, 24 * 3600_000) ?? 300_000;
  const fuzzCases = integerOption(o['fuzz-cases'], 'fuzz-cases', 1, 100_000) ?? 300;
  const faults = (o.fault ?? []).map(parseFault);
  let knownFailures: Map<string, string> | undefined;
  if (o['known-failures'] !== undefined) {
    const file = path.resolve(o['known-failures']);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--known-failures: cannot read ${file} (${(error as Error).message})`);
    }
    try {
      knownFailures = parseKnownFailures(text, o['known-failures']);
    } catch (error) {
      throw new UsageError(`--known-failures: ${(error as Error).message}`);
    }
  }

  if (o.umd !== undefined && faults.length > 0) throw new UsageError('--fault applies to the kernel miniport\'s run, not to --umd');
  if (o.umd !== undefined && !fs.existsSync(o.umd)) throw new CouldNotRunError(`--umd ${o.umd}: no such file`);
  // A UMD DLL runs through the same runner and reporters; its rules are the UMD host's.
  const subject: Subject<never> = (o.umd !== undefined
    ? new UmdSubject({ dll: path.resolve(o.umd), devicePath: o.device })
    : new KmdSubject({ devicePath: o.device, lane, faults, fuzzCases })) as unknown as Subject<never>;
  const progress = createProgress(io, o.json === true);
  let failedSoFar = 0;
  let result: RunResult;
  try {
    result = await runConformance(subject, {
      seed, timeLimitMs, lane,
      selection: { rules: patterns(o.rule), skip: patterns(o.skip) },
      knownFailures, knownFailuresFile: o['known-failures'],
      configuration: faults.map((f) => f.kind),
      onRuleStart: (rule, index, total) =>
        progress.update(`conformance [${index + 1}/${total}]${failedSoFar ? ` ${failedSoFar} failed,` : ''} ${rule.id}`),
      onRuleDone: (done) => {
        if (done.verdict === 'fail' && done.expectedFailure === undefined) failedSoFar++;
      },
    });
  } catch (error) {
    if (error instanceof RunSetupError) {
      throw new CouldNotRunError(`${error.message}. Is the harness driver loaded? \`miracast-hil driver status\` says; ` +
        '`miracast-hil doctor` checks the setup', { cause: error });
    }
    throw error;
  } finally {
    progress.done();
  }

  const written: string[] = [];
  try {
    if (o.junit !== undefined) written.push(`JUnit: ${writeOutput(o.junit, formatJUnit(result))}`);
    if (o.report !== undefined) written.push(`report: ${writeOutput(o.report, formatHtml(result))}`);
  } catch (error) {
    throw new CouldNotRunError(`could not write an output: ${(error as Error).message}`);
  }
  const text = formatSummary(result) + written.map((w) => `${w}\n`).join('');
  if (o.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
    io.stderr.write(text);
  } else {
    io.stdout.write(text);
  }
  return result.exitCode;
}

export const conformance: CliCommand = { name, summary, usage, run };
