// `miracast-hil conformance` against the loaded driver and its test miniport, through the
// command's own run(): zero findings on the good miniport (every rule passing, or not applicable
// with its reason), a harness fault in the run's configuration tripping its rule and blamed on
// the configuration, known failures, the seed, selection, the time bound, the exit codes, the
// JUnit file (one case per rule) and the HTML report. The report's picture is checked in a real
// browser after the lane stops (test/render/check-reports.mjs reads the requests written here).
// Valid in both lanes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isIdle, type MiracastDevice } from '../dist/index.js';
import { kmdRules, type RunResult } from '../dist/conformance/index.js';
import { runCli } from '../dist/cli/index.js';
import { root, useDevice } from './helpers';
import { findAll, parseXml } from './xml';

let device: MiracastDevice;
useDevice((d) => (device = d));

const outDir = path.resolve(root, process.env.MIRACAST_HIL_CONFORMANCE_OUT ?? path.join('build', 'conformance'));
const out = (name: string) => path.join(outDir, name);
/** A path the Linux side can read: relative to the project, with forward slashes. */
const portable = (file: string) => path.relative(root, file).split(path.sep).join('/');
const renderRequests: { name: string; html: string; junit?: string; expect: { spans: number; violations: 'some' | 'none' } }[] = [];

afterAll(() => {
  // What the Linux-side render check loads (paths relative to the project, as both sides see it).
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(out('render-requests.json'), JSON.stringify({ requests: renderRequests }, null, 2));
});

/** Runs `miracast-hil conformance ARGS` through the command line's dispatcher; collects what it wrote. */
async function conformance(args: string[]): Promise<{ code: number; stdout: string; stderr: string; result?: RunResult }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['conformance', ...args], {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: process.env,
  });
  const result = args.includes('--json') && stdout.trim().startsWith('{') ? (JSON.parse(stdout) as RunResult) : undefined;
  return { code, stdout, stderr, result };
}

/** The test miniport's own overlap counter, read on a context of its own. */
async function classOverlaps(): Promise<number> {
  const probe = await device.createContext();
  try {
    return (await probe.miniport.readState()).classOverlaps;
  } finally {
    await probe.destroy();
  }
}

function junitCases(file: string) {
  const xml = parseXml(fs.readFileSync(file, 'utf8'));
  expect(xml.name).toBe('testsuites');
  return findAll(xml, 'testcase');
}

describe('conformance of the test miniport', () => {
  it('every rule passes or is not applicable with its reason, with zero findings; JUnit has one case per rule', async () => {
    const before = await device.stats();
    const { code, result, stderr } = await conformance(['--json', '--seed', '0x5eed', '--fuzz-cases', '200',
      '--junit', out('clean.xml'), '--report', out('clean.html')]);
    const after = await device.stats();
    expect(code, stderr).toBe(0);
    expect(result).toBeDefined();
    const r = result!;
    expect(r.rules.map((x) => x.id)).toEqual(kmdRules.map((x) => x.id));
    for (const rule of r.rules) {
      expect(['pass', 'notApplicable'], `${rule.id}: ${rule.verdict} ${rule.reason ?? ''} ${JSON.stringify(rule.findings)}`).toContain(rule.verdict);
      expect(rule.findings, rule.id).toEqual([]);
      if (rule.verdict === 'notApplicable') expect(rule.reason, rule.id).toMatch(/^(needs |valid in the Windows lane only)/);
    }
    // The test miniport offers the test hooks: only the seam's parts (and the other lane) may be missing.
    // The test miniport offers every need of this lane: every rule with a check runs, and passes.
    const runnable = kmdRules.filter((rule) => rule.check && rule.lane !== 'windows');
    for (const rule of runnable) expect(r.rules.find((x) => x.id === rule.id)?.verdict, rule.id).toBe('pass');
    expect(runnable.length).toBeGreaterThanOrEqual(45);
    expect(r.counts).toMatchObject({ failed: 0, errors: 0, expectedFailures: 0, findingsBy: {} });
    expect(r.seed).toBe(0x5eed);
    expect(isIdle(after)).toBe(true);
    expect(after.contractViolations - before.contractViolations).toBe(0);

    const cases = junitCases(out('clean.xml'));
    expect(cases.map((c) => c.attributes.name.split(':')[0])).toEqual(kmdRules.map((x) => x.id));
    expect(cases.filter((c) => findAll(c, 'skipped').length === 1).length).toBe(r.counts.notApplicable);
    expect(cases.flatMap((c) => [...findAll(c, 'failure'), ...findAll(c, 'error')])).toEqual([]);

    const html = fs.readFileSync(out('clean.html'), 'utf8');
    expect(html).toContain('id="overview"');
    expect(html).not.toMatch(/https?:\/\/|<link\b|\bsrc=|@import/i);   // self-contained: nothing to fetch
    renderRequests.push({ name: 'clean run', html: portable(out('clean.html')),
      expect: { spans: after.ddiCalls - before.ddiCalls, violations: 'none' } });
  });

  it('a host fault in the run\'s configuration trips its rule and is attributed to the configuration, not the miniport', async () => {
    const overlapsBefore = await classOverlaps();
    const before = await device.stats();
    const { code, result, stdout, stderr } = await conformance(['--json', '--fault', 'lockBypass', '--rule', 'kmd.sync.*',
      '--junit', out('lock-bypass.xml'), '--report', out('lock-bypass.html')]);
    const after = await device.stats();
    const overlapsSeen = (await classOverlaps()) - overlapsBefore;
    expect(code, stdout + stderr).toBe(1);
    const r = result!;
    expect(r.configuration).toEqual(['lockBypass']);
    const classRule = r.rules.find((x) => x.id === 'kmd.sync.miracast-class')!;
    expect(classRule.verdict).toBe('fail');
    expect(classRule.findings.length).toBeGreaterThan(0);
    for (const finding of classRule.findings) {
      expect(finding.attribution).toBe('configuration');
      expect(finding.attributionReason).toMatch(/lockBypass makes the host itself break this rule/);
      expect(finding.message).toMatch(/Miracast-class overlap/);
    }
    // Its own lockBypass is the overlap detector's instrument, not the configuration's.
    expect(r.rules.find((x) => x.id === 'kmd.sync.overlap-detector')?.verdict).toBe('pass');
    expect(r.counts.findingsBy.miniport).toBeUndefined();
    expect(r.counts.findingsBy.host).toBeUndefined();
    expect(r.counts.findingsBy.configuration).toBeGreaterThan(0);
    expect(stderr).toMatch(/finding against the run's configuration/);

    const cases = junitCases(out('lock-bypass.xml'));
    const failed = cases.find((c) => c.attributes.name.startsWith('kmd.sync.miracast-class:'))!;
    expect(findAll(failed, 'failure')[0]?.attributes.type).toBe('the run\'s configuration');
    expect(cases.length).toBe(kmdRules.length);
    expect(overlapsSeen).toBeGreaterThan(0);
    renderRequests.push({ name: 'lockBypass run', html: portable(out('lock-bypass.html')),
      junit: portable(out('lock-bypass.xml')), expect: { spans: after.ddiCalls - before.ddiCalls, violations: 'some' } });
  });

  it('a known failure is reported as expected and does not fail the run; one naming no rule is refused', async () => {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(out('known-failures.txt'), '# the lab runs with the lock bypassed\nkmd.sync.miracast-class  lock bypassed on purpose\nkmd.sync.third-level\n');
    const { code, result, stdout } = await conformance(['--json', '--fault', 'lockBypass', '--rule', 'kmd.sync.*', '--known-failures', out('known-failures.txt')]);
    expect(code, stdout).toBe(0);
    const classRule = result!.rules.find((x) => x.id === 'kmd.sync.miracast-class')!;
    expect(classRule).toMatchObject({ verdict: 'fail', expectedFailure: 'lock bypassed on purpose' });
    expect(result!.counts.failed).toBe(0);
    expect(result!.counts.expectedFailures).toBeGreaterThanOrEqual(1);

    fs.writeFileSync(out('known-failures.json'), JSON.stringify({ 'kmd.no.such-rule': 'typo' }));
    const refused = await conformance(['--rule', 'kmd.caps.flags', '--known-failures', out('known-failures.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no rule matches known failure kmd\.no\.such-rule/);
  });

  it('the same seed sends the same fuzz cases; another seed other ones', async () => {
    const digest = async (seed: string) => {
      const { code, result } = await conformance(['--json', '--rule', 'kmd.iocontrol.fuzz', '--seed', seed, '--fuzz-cases', '40']);
      expect(code).toBe(0);
      const evidence = result!.rules.find((x) => x.id === 'kmd.iocontrol.fuzz')!.evidence.join('\n');
      expect(evidence).toMatch(/^40 cases/m);
      return /cases digest ([0-9a-f]{8})/.exec(evidence)![1];
    };
    const first = await digest('0x1234');
    expect(await digest('4660')).toBe(first);
    expect(await digest('0x1235')).not.toBe(first);
  });

  it('selects and skips rules; a pattern that matches nothing is refused', async () => {
    const { code, result } = await conformance(['--json', '--rule', 'kmd.caps.*', '--skip', 'kmd.caps.stable']);
    expect(code).toBe(0);
    const verdict = (id: string) => result!.rules.find((x) => x.id === id)!;
    expect(verdict('kmd.caps.size-check').verdict).toBe('pass');
    expect(verdict('kmd.caps.stable')).toMatchObject({ verdict: 'notApplicable', reason: 'skipped (--skip kmd.caps.stable)' });
    expect(verdict('kmd.create.one-target')).toMatchObject({ verdict: 'notApplicable', reason: 'not selected (--rule kmd.caps.*)' });
    const typo = await conformance(['--rule', 'kmd.cpas.*']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/no rule matches --rule kmd\.cpas\.\*/);
  });

  it('rules not started within the time bound are errors, and the run could not be completed (exit 2)', async () => {
    const { code, result } = await conformance(['--json', '--time-limit', '1', '--rule', 'kmd.caps.*']);
    expect(code).toBe(2);
    const notRun = result!.rules.filter((x) => x.verdict === 'error');
    expect(notRun.map((x) => x.id)).toEqual(['kmd.caps.size-check', 'kmd.caps.no-write-past-size', 'kmd.caps.flags', 'kmd.caps.stable']);
    for (const x of notRun) expect(x.reason).toBe('not run: the time bound of 1 ms was reached');
  });

  it.each([
    ['no driver at the path', ['--device', '\\\\.\\MiracastHilNoSuchDevice'], /cannot open the kernel miniport: .*MiracastHilNoSuchDevice/s],
    ['an unknown option', ['--frobnicate'], /Unknown option '--frobnicate'/],
    ['a seed that is not a number', ['--seed', 'xyz'], /--seed must be an integer/],
    ['a fault kind that does not exist', ['--fault', 'meltdown'], /--fault: the kind must be one of/],
    ['a fault without its parameter', ['--fault', '{"kind":"callbackDelay"}'], /cannot open the kernel miniport: fault\.delayMs must be a number/],
    ['a UMD DLL that does not exist', ['--umd', 'no/such/Miracast.dll'], /--umd no\/such\/Miracast\.dll: no such file/],
    ['an unreadable known-failures file', ['--known-failures', 'no/such/file.txt'], /cannot read/],
  ])('exit code 2 when the run cannot be made: %s', async (_what, args, message) => {
    const { code, stderr } = await conformance(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('--help and --list exit 0; --list names every rule', async () => {
    const help = await conformance(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: miracast-hil conformance/);
    expect(help.stdout).toContain('Exit codes: 0');
    let listed = '';
    expect(await runCli(['--help'], { stdout: { write: (s: string) => (listed += s) }, stderr: { write: () => true }, env: process.env })).toBe(0);
    expect(listed).toMatch(/^  conformance +judge the hosted miniport/m);
    const list = await conformance(['--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n').map((line) => line.split('\t')[0])).toEqual(kmdRules.map((x) => x.id));
  });
});
