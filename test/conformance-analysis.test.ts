// The conformance suite's own logic, without the driver: the runner's verdicts, attribution,
// known failures, time bound and exit codes (driven by a scripted subject: these tests claim the
// runner's behaviour, not the driver's), the trace analysis on crafted events, the seed, the
// selection, and the reporters' output. Valid anywhere.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createRng, ddiSpans, deriveSeed, ddiStatusProblem, findOverlaps, formatJUnit, formatSummary, generateCase, parseKnownFailures,
  parseSeed, patternMatcher, runConformance, RunSetupError, testMiniportCommandSpace,
  type CheckBase, type CheckWindowReport, type FuzzCase, type Rule, type RuleSet, type Subject,
} from '../dist/conformance/index.js';
import type { TraceEvent } from '../dist/index.js';
import { gapCappedAxis } from '../dist/conformance/report/timeline-svg.js';
import { findAll, parseXml } from './xml';

// ------------------------------------------------------------------ a scripted subject

interface Script {
  /** Faults the window reports as applied (not the rule's own). */
  configuration?: string[];
  alive?: boolean;
  subjectFindings?: CheckWindowReport['findings'];
}

function scriptedSubject(rules: Rule[], scripts: Record<string, Script> = {}, needs = [{ id: 'hooks', what: 'hooks', available: true, detail: 'yes' }]) {
  const ruleSet: RuleSet = { id: 'x', title: 'x', subjectKind: 'thing', needs: needs.map(({ id, what }) => ({ id, what })), rules };
  const subject: Subject & { closed: boolean } = {
    kind: 'thing', ruleSet, closed: false,
    open: async () => ({ name: 'the thing', needs, facts: {} }),
    begin: async (_rule, base: CheckBase) => base,
    end: async (rule) => ({
      configuration: scripts[rule.id]?.configuration ?? [], findings: scripts[rule.id]?.subjectFindings ?? [], evidence: [],
      alive: scripts[rule.id]?.alive ?? true,
    }),
    timeline: () => undefined,
    close: async () => {
      subject.closed = true;
    },
  };
  return subject;
}

const rule = (id: string, check?: Rule['check'], extra: Partial<Rule> = {}): Rule =>
  ({ id, area: 'a', text: `rule ${id}`, sources: ['DOC'], lane: 'both', judges: 'miniport', needs: [], check, ...extra });
const pass = async () => undefined;
const options = { seed: 7, timeLimitMs: 60_000, lane: 'wine' as const };

describe('the runner', () => {
  it('gives every rule one verdict: pass, fail with findings, not applicable with the reason, error', async () => {
    const subject = scriptedSubject([
      rule('x.a.pass', pass),
      rule('x.a.fail', async (c) => c.finding('broken', ['seen this'])),
      rule('x.a.na', async (c) => c.notApplicable('cannot show it')),
      rule('x.a.error', async () => {
        throw new TypeError('check blew up');
      }),
      rule('x.a.fail-then-error', async (c) => {
        c.finding('broken first');
        throw new Error('then stopped');
      }),
      rule('x.a.nocheck'),
      rule('x.a.needs', pass, { needs: ['tracker'] }),
      rule('x.a.windows', pass, { lane: 'windows', laneReason: 'Wine has no IRQL' }),
    ]);
    const result = await runConformance(subject, options);
    const v = Object.fromEntries(result.rules.map((r) => [r.id, r]));
    expect(v['x.a.pass'].verdict).toBe('pass');
    expect(v['x.a.fail']).toMatchObject({ verdict: 'fail', findings: [{ ruleId: 'x.a.fail', rule: 'rule x.a.fail', message: 'broken', evidence: ['seen this'], attribution: 'miniport' }] });
    expect(v['x.a.na']).toMatchObject({ verdict: 'notApplicable', reason: 'cannot show it' });
    expect(v['x.a.error']).toMatchObject({ verdict: 'error', reason: 'TypeError: check blew up' });
    expect(v['x.a.fail-then-error'].verdict).toBe('fail');
    expect(v['x.a.fail-then-error'].evidence).toContain('the check then stopped: Error: then stopped');
    expect(v['x.a.nocheck']).toMatchObject({ verdict: 'notApplicable', reason: 'no check is written for this rule yet' });
    expect(v['x.a.needs']).toMatchObject({ verdict: 'notApplicable', reason: "needs 'tracker', which this subject does not describe" });
    expect(v['x.a.windows']).toMatchObject({ verdict: 'notApplicable', reason: 'valid in the Windows lane only: Wine has no IRQL' });
    expect(result.counts).toMatchObject({ rules: 8, passed: 1, failed: 2, notApplicable: 4, errors: 1 });
    expect(result.exitCode).toBe(1);
    expect(subject.closed).toBe(true);
  });

  it('a need the subject does not offer makes the rule not applicable, naming the need and why', async () => {
    const subject = scriptedSubject([rule('x.b.hooks', pass, { needs: ['hooks'] })],
      {}, [{ id: 'hooks', what: 'the test hooks', available: false, detail: 'the miniport does not answer them' }]);
    const result = await runConformance(subject, options);
    expect(result.rules[0]).toMatchObject({ verdict: 'notApplicable', reason: 'needs the test hooks: the miniport does not answer them' });
    expect(result.exitCode).toBe(0);
  });

  it('exit codes as TAEF\'s: 0 all passed, 1 a rule failed, 2 could not run', async () => {
    expect((await runConformance(scriptedSubject([rule('x.c.ok', pass)]), options)).exitCode).toBe(0);
    expect((await runConformance(scriptedSubject([rule('x.c.bad', async (c) => c.finding('no'))]), options)).exitCode).toBe(1);
    expect((await runConformance(scriptedSubject([rule('x.c.err', async () => Promise.reject(new Error('x')))]), options)).exitCode).toBe(2);
    expect((await runConformance(scriptedSubject([rule('x.c.bad', async (c) => c.finding('no')), rule('x.c.err', async () => {
      throw new Error('x');
    })]), options)).exitCode).toBe(1);
    const unreachable = scriptedSubject([rule('x.c.ok', pass)]);
    unreachable.open = async () => {
      throw new Error('STATUS_OBJECT_NAME_NOT_FOUND');
    };
    await expect(runConformance(unreachable, options)).rejects.toBeInstanceOf(RunSetupError);
  });

  it('blames the run\'s configuration for a finding made while a harness fault was applied, and says which fault trips the rule', async () => {
    const subject = scriptedSubject([
      rule('x.d.tripped', async (c) => c.finding('overlap'), { judges: 'host', trippedBy: ['lockBypass'] }),
      rule('x.d.maybe', async (c) => c.finding('odd'), { trippedBy: ['lockBypass'] }),
      rule('x.d.clean', async (c) => c.finding('real bug')),
    ], { 'x.d.tripped': { configuration: ['lockBypass'] }, 'x.d.maybe': { configuration: ['callbackDelay'] } });
    const result = await runConformance(subject, { ...options, configuration: ['lockBypass'] });
    const [tripped, maybe, clean] = result.rules.map((r) => r.findings[0]);
    expect(tripped.attribution).toBe('configuration');
    expect(tripped.attributionReason).toMatch(/applied lockBypass during this check, and lockBypass makes the host itself break this rule; the host is not to blame/);
    expect(maybe.attribution).toBe('configuration');
    expect(maybe.attributionReason).toMatch(/callbackDelay .* may come from that rather than from the miniport/);
    expect(clean.attribution).toBe('miniport');
    expect(result.counts.findingsBy).toEqual({ configuration: 2, miniport: 1 });
  });

  it('findings the subject makes about a window (left not idle) join the rule with their own attribution', async () => {
    const subject = scriptedSubject([rule('x.e.leak', pass)],
      { 'x.e.leak': { subjectFindings: [{ message: 'kept 2 blocks', evidence: ['stats'], attribution: 'miniport' }] } });
    const result = await runConformance(subject, options);
    expect(result.rules[0]).toMatchObject({ verdict: 'fail', findings: [{ message: 'kept 2 blocks', attribution: 'miniport' }] });
  });

  it('after the subject stops answering, later rules are errors naming the rule it died in', async () => {
    const subject = scriptedSubject([rule('x.f.crash', pass), rule('x.f.next', pass)], { 'x.f.crash': { alive: false } });
    const result = await runConformance(subject, options);
    expect(result.rules[1]).toMatchObject({ verdict: 'error', reason: 'not run: the thing stopped answering during x.f.crash' });
  });

  it('known failures: a listed failure is expected, a listed pass is flagged, an unknown entry refuses the run', async () => {
    const rules = [rule('x.g.fails', async (c) => c.finding('known bug')), rule('x.g.passes', pass)];
    const known = new Map([['x.g.fails', 'vendor bug 12'], ['x.g.pass*', '']]);
    const result = await runConformance(scriptedSubject(rules), { ...options, knownFailures: known });
    expect(result.rules[0]).toMatchObject({ verdict: 'fail', expectedFailure: 'vendor bug 12' });
    expect(result.rules[1]).toMatchObject({ verdict: 'pass', unexpectedPass: true });
    expect(result.counts).toMatchObject({ failed: 0, expectedFailures: 1 });
    expect(result.exitCode).toBe(0);
    await expect(runConformance(scriptedSubject(rules), { ...options, knownFailures: new Map([['x.nope', '']]) }))
      .rejects.toThrow(/no rule matches known failure x\.nope/);
  });

  it('selection: --rule and --skip patterns; a pattern matching nothing refuses the run', async () => {
    const rules = [rule('x.h.one', pass), rule('x.h.two', pass), rule('x.i.three', pass)];
    const result = await runConformance(scriptedSubject(rules), { ...options, selection: { rules: ['x.h.*'], skip: ['*.two'] } });
    expect(result.rules.map((r) => [r.verdict, r.reason])).toEqual([
      ['pass', undefined], ['notApplicable', 'skipped (--skip *.two)'], ['notApplicable', 'not selected (--rule x.h.*)'],
    ]);
    await expect(runConformance(scriptedSubject(rules), { ...options, selection: { rules: ['x.z.*'], skip: [] } }))
      .rejects.toThrow(/no rule matches --rule x\.z\.\*/);
  });

  it('the time bound: a check still running is stopped as an error, later rules are not started', async () => {
    let release: () => void = () => undefined;
    const rules = [
      rule('x.j.slow', () => new Promise<void>((resolve) => (release = resolve))),
      rule('x.j.later', pass),
    ];
    const result = await runConformance(scriptedSubject(rules), { ...options, timeLimitMs: 50 });
    release();
    expect(result.rules[0]).toMatchObject({ verdict: 'error', reason: "Error: the check did not finish within the run's time bound" });
    expect(result.rules[1]).toMatchObject({ verdict: 'error', reason: 'not run: the time bound of 50 ms was reached' });
    expect(result.exitCode).toBe(2);
  });

  it('gives each rule a seed of its own, derived from the run\'s seed and the rule id', async () => {
    const seen: Record<string, number[]> = {};
    const rules = ['x.k.a', 'x.k.b'].map((id) => rule(id, async (c) => {
      seen[id] = [c.seed, c.runSeed, c.rng.u32()];
    }));
    await runConformance(scriptedSubject(rules), options);
    expect(seen['x.k.a'][0]).toBe(deriveSeed(7, 'x.k.a'));
    expect(seen['x.k.a'][1]).toBe(7);
    expect(seen['x.k.a'][0]).not.toBe(seen['x.k.b'][0]);
    expect(seen['x.k.a'][2]).toBe(createRng(deriveSeed(7, 'x.k.a')).u32());
  });
});

// ------------------------------------------------------------------ the trace analysis

let sequence = 0;
function ev(kind: string, extra: Record<string, unknown>): TraceEvent {
  sequence++;
  return { sequence, time: sequence * 10, threadId: 1, contextId: 1, messageId: 0, status: 0, statusName: 'STATUS_SUCCESS',
    arg0: 0, arg1: 0, kind, ...extra } as unknown as TraceEvent;
}
const enter = (ddi: string, threadId: number, hardwareAccess = false) => ev('ddiEnter', { ddi, threadId, hardwareAccess });
const exit = (ddi: string, threadId: number) => ev('ddiExit', { ddi, threadId, result: 0 });

describe('the trace analysis', () => {
  it('calls one after the other do not overlap; a call entering while another is inside does', () => {
    const serial = [enter('ioControl', 1), exit('ioControl', 1), enter('createContext', 2), exit('createContext', 2)];
    expect(findOverlaps(ddiSpans(serial))).toEqual([]);
    const overlapping = [enter('ioControl', 1), enter('destroyContext', 2), exit('destroyContext', 2), exit('ioControl', 1)];
    const found = findOverlaps(ddiSpans(overlapping));
    expect(found.map((o) => [o.kind, o.first.ddi, o.second.ddi])).toEqual([['miracastClass', 'ioControl', 'destroyContext']]);
  });

  it('a third-level call (QueryCaps, HardwareAccess IoControl) overlapping anything is a third-level overlap', () => {
    const events = [enter('queryCaps', 1), enter('ioControl', 2), exit('ioControl', 2), exit('queryCaps', 1),
      enter('ioControl', 3, true), enter('ioControl', 4), exit('ioControl', 4), exit('ioControl', 3)];
    expect(findOverlaps(ddiSpans(events)).map((o) => o.kind)).toEqual(['thirdLevel', 'thirdLevel']);
  });

  it('pairs each exit with its own thread\'s entry; a call not returned yet stays open', () => {
    const spans = ddiSpans([enter('ioControl', 1), enter('ioControl', 2), exit('ioControl', 1), enter('createContext', 3)]);
    expect(spans.map((s) => [s.threadId, s.exit?.sequence !== undefined])).toEqual([[1, true], [2, false], [3, false]]);
    expect(findOverlaps(spans).map((o) => [o.first.threadId, o.second.threadId])).toEqual([[1, 2], [2, 3]]);   // 3 meets 2, which never returned
  });

  it.each([
    [0x00000000, undefined], [0xc0000001, undefined], [0xc000000d, undefined],
    [0x00000103, /STATUS_PENDING, a success status/], [0x40000000, /an informational status/], [0x80000005, /a warning status/],
  ])('DDI status 0x%s: %s', (status, problem) => {
    const found = ddiStatusProblem(status);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});

// ------------------------------------------------------------------ seeds, selection, fuzz cases

describe('seeds, selection and fuzz cases', () => {
  it('parses seeds in decimal and hex, and refuses anything else', () => {
    expect(parseSeed('4660')).toBe(0x1234);
    expect(parseSeed('0x1234')).toBe(0x1234);
    expect(parseSeed('0xFFFFFFFF')).toBe(0xffffffff);
    for (const bad of ['', '-1', '0x100000000', '1.5', 'abc', '4294967296']) expect(() => parseSeed(bad), bad).toThrow(RangeError);
  });

  it('the same seed gives the same stream; rng.int stays within its bounds at the edges', () => {
    const a = createRng(99);
    const b = createRng(99);
    expect(Array.from({ length: 5 }, () => a.u32())).toEqual(Array.from({ length: 5 }, () => b.u32()));
    const r = createRng(1);
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 5);
      expect(v >= 3 && v <= 5).toBe(true);
    }
    const seen = new Set(Array.from({ length: 300 }, () => r.int(0, 2)));
    expect([...seen].sort()).toEqual([0, 1, 2]);
    expect(() => r.int(5, 3)).toThrow(RangeError);
  });

  it('rule patterns: * matches any text, the rest is literal', () => {
    expect(patternMatcher('kmd.send.*')('kmd.send.pending')).toBe(true);
    expect(patternMatcher('kmd.send.*')('kmd.sendx')).toBe(false);
    expect(patternMatcher('kmd.caps.flags')('kmdXcaps.flags')).toBe(false);
    expect(patternMatcher('*.fuzz')('kmd.iocontrol.fuzz')).toBe(true);
  });

  it('known-failures files: JSON object, JSON list, or lines with comments', () => {
    expect([...parseKnownFailures('{"a.b": "why"}')]).toEqual([['a.b', 'why']]);
    expect([...parseKnownFailures('[{"id": "a.b", "reason": "why"}]')]).toEqual([['a.b', 'why']]);
    expect([...parseKnownFailures('# header\na.b   vendor bug 1\n\nc.* # all of c\n')]).toEqual([['a.b', 'vendor bug 1'], ['c.*', '']]);
    expect(() => parseKnownFailures('{"a": 1}')).toThrow(SyntaxError);
    expect(() => parseKnownFailures('a b\n!!\n', 'kf.txt')).toThrow(/kf\.txt:2/);
  });

  it('fuzz cases come from the seed alone, stay within the sizes, and use the declared command space', () => {
    const constants = {
      limits: { maxHoldMs: 10_000 },
      miniport: { commands: { ECHO: 1, SEND_MESSAGES: 2, READ_STATE: 3, MONITOR_ARRIVE: 4, MONITOR_DEPART: 5, REPORT_CHUNK: 6, HOLD: 7 },
        headerSize: 16, stateSize: 144, sendResultSize: 16 },
    } as never;
    const space = testMiniportCommandSpace(constants);
    const make = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 300 }, (_, i) => generateCase(rng, i, space, 65536));
    };
    const fingerprint = (cases: FuzzCase[]) => cases.map((c) => `${c.strategy}:${c.outputSize}:${c.hardwareAccess}:${createHash('sha1').update(c.input).digest('hex')}`);
    const first = make(5);
    expect(fingerprint(make(5))).toEqual(fingerprint(first));
    expect(fingerprint(make(6))).not.toEqual(fingerprint(first));
    for (const c of first) {
      expect(c.input.length).toBeLessThanOrEqual(65536);
      expect(c.outputSize).toBeLessThanOrEqual(65536);
      if (c.command === 'HOLD') expect(c.input.readUInt32LE(4) <= 20 || c.input.readUInt32LE(4) > 10_000).toBe(true);
      if (c.command === 'REPORT_CHUNK') expect(c.input.readUInt32LE(8)).toBe(0);
      if (c.strategy === 'unknownCommand') expect([1, 2, 3, 4, 5, 6, 7]).not.toContain(c.input.readUInt32LE(0));
    }
    expect(new Set(first.map((c) => c.strategy))).toEqual(new Set(['raw', 'command', 'unknownCommand']));
    expect(new Set(first.filter((c) => c.command).map((c) => c.command)).size).toBe(7);
  });
});

// ------------------------------------------------------------------ reporters

describe('reporters', () => {
  it('JUnit: one test case per rule; failure, error and skipped as JUnit has them; text escaped', async () => {
    const rules = [
      rule('x.m.pass', pass),
      rule('x.m.fail', async (c) => c.finding('a <b> & "c"\u0001 \'d\'', ['evidence ]]> here'])),
      rule('x.m.error', async () => {
        throw new Error('could not');
      }),
      rule('x.m.na', async (c) => c.notApplicable('needs <x>')),
    ];
    const result = await runConformance(scriptedSubject(rules), options);
    const xml = parseXml(formatJUnit(result));
    expect(xml.attributes).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '1' });
    const cases = findAll(xml, 'testcase');
    expect(cases.map((c) => c.attributes.name.split(':')[0])).toEqual(['x.m.pass', 'x.m.fail', 'x.m.error', 'x.m.na']);
    const failure = findAll(cases[1], 'failure')[0];
    expect(failure.attributes.message).toBe('a <b> & "c" \'d\'');
    expect(failure.attributes.type).toBe('the miniport');
    expect(failure.text).toContain('evidence ]]> here');
    expect(findAll(cases[2], 'error')[0].attributes.message).toBe('Error: could not');
    expect(findAll(cases[3], 'skipped')[0].attributes.message).toBe('not applicable: needs <x>');
    expect(findAll(xml, 'property').find((p) => p.attributes.name === 'seed')?.attributes.value).toBe('0x00000007');
  });

  it('the summary names each verdict, each finding with whom it is against, and the exit code', async () => {
    const result = await runConformance(scriptedSubject([rule('x.n.ok', pass), rule('x.n.bad', async (c) => c.finding('overlap', ['one', 'two']))]), options);
    const text = formatSummary(result);
    expect(text).toMatch(/^PASS +x\.n\.ok +rule x\.n\.ok$/m);
    expect(text).toMatch(/^FAIL +x\.n\.bad/m);
    expect(text).toMatch(/finding against the miniport: overlap\n +one\n +two/);
    expect(text).toMatch(/2 rules: 1 passed, 1 failed, 0 expected failure\(s\), 0 not applicable, 0 error\(s\)/);
    expect(text).toMatch(/exit code 1: a rule failed/);
  });

  it('the timeline axis keeps order and shortens idle gaps', () => {
    const x = gapCappedAxis([0, 10, 20, 10_000, 10_010], 1000, 100);
    const points = [0, 10, 20, 10_000, 10_010].map(x);
    for (let i = 1; i < points.length; i++) expect(points[i]).toBeGreaterThan(points[i - 1]);
    expect(points[4]).toBeCloseTo(1000);
    expect(points[3] - points[2]).toBeCloseTo((100 / 130) * 1000);   // the 9980 µs gap counts as 100
  });
});
