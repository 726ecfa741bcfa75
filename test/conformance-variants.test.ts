// The conformance suite proven on broken miniports: each broken variant of the test miniport
// (driver/miniport/test/mp_variants.h, one MP_BREAK_* define and one .sys each) is loaded into the
// lane's service, the suite's rules that the variants break are run against it, and the run must
// fail with a finding of that variant's rule and no finding (nor error) of any other; the good
// test miniport and the minimal example miniport pass the same rules with zero findings. The
// docs' table (docs/contract.md, "Broken variants") is rendered from the cases below and must
// equal it. Valid in both lanes (on Windows the images must be test-signed and the tests elevated).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contract, openDevice } from '../dist/index.js';
import { KmdSubject, createRng, kmdRules, runConformance, type RunResult } from '../dist/conformance/index.js';
import { runCli } from '../dist/cli/index.js';
import { lane, root } from './helpers';
import { defaultHarness, withHarness } from './lane-driver';

interface VariantCase {
  /** The harness image (driver/CMakeLists.txt) and the define that builds it. */
  image: string;
  define: string;
  /** The rule it breaks, and a phrase its finding must contain (the docs quote it). */
  rule: string;
  finding: string;
  /** The host violation kind its run shows (in the rule's findings or evidence), when the host detects it. */
  hostSees?: string;
  lane: 'both';
}

const variants: VariantCase[] = [
  { image: 'MiracastHilKeepsCallbacks', define: 'MP_BREAK_KEEPS_CALLBACKS', rule: 'kmd.create.callbacks-copied', finding: 'used the callbacks table by pointer after the call', hostSees: 'STALE_CALLBACKS', lane: 'both' },
  { image: 'MiracastHilFreesBeforeCallback', define: 'MP_BREAK_FREES_BEFORE_CALLBACK', rule: 'kmd.pool.no-write-after-free', finding: 'freed a message\'s output buffer before its callback ran', hostSees: 'FREED_BEFORE_CALLBACK', lane: 'both' },
  { image: 'MiracastHilDoubleFreeRace', define: 'MP_BREAK_DOUBLE_FREE_RACE', rule: 'kmd.pool.freed-once', finding: 'the miniport freed a block twice', lane: 'both' },
  { image: 'MiracastHilWrongTarget', define: 'MP_BREAK_WRONG_TARGET', rule: 'kmd.create.target-is-child', finding: 'which is not the Miracast child', hostSees: 'TARGET_NOT_CHILD', lane: 'both' },
  { image: 'MiracastHilTwoMiracast', define: 'MP_BREAK_TWO_MIRACAST', rule: 'kmd.start.one-miracast-child', finding: 'did not report exactly one Miracast child', hostSees: 'TWO_MIRACAST', lane: 'both' },
  { image: 'MiracastHilNoMiracast', define: 'MP_BREAK_NO_MIRACAST', rule: 'kmd.start.one-miracast-child', finding: 'NO_MIRACAST', hostSees: 'NO_MIRACAST', lane: 'both' },
  { image: 'MiracastHilHpdPolled', define: 'MP_BREAK_HPD_POLLED', rule: 'kmd.start.hpd-interruptible', finding: 'HPD_NOT_INTERRUPTIBLE', hostSees: 'HPD_NOT_INTERRUPTIBLE', lane: 'both' },
  { image: 'MiracastHilConnectedAtStart', define: 'MP_BREAK_CONNECTED_AT_START', rule: 'kmd.start.hpd-interruptible', finding: 'CONNECTED_AT_START', hostSees: 'CONNECTED_AT_START', lane: 'both' },
  { image: 'MiracastHilNoHdcp', define: 'MP_BREAK_NO_HDCP', rule: 'kmd.caps.flags', finding: 'reported no HDCP support', hostSees: 'CAPS_NO_HDCP', lane: 'both' },
  { image: 'MiracastHilCapsOverrun', define: 'MP_BREAK_CAPS_OVERRUN', rule: 'kmd.caps.no-write-past-size', finding: 'wrote past MiracastCapsSize', hostSees: 'CAPS_OVERRUN', lane: 'both' },
  { image: 'MiracastHilNoDeparture', define: 'MP_BREAK_NO_DEPARTURE', rule: 'kmd.destroy.departure', finding: 'returned without indicating monitor departure', hostSees: 'NO_DEPARTURE', lane: 'both' },
  { image: 'MiracastHilSecondContext', define: 'MP_BREAK_SECOND_CONTEXT', rule: 'kmd.create.one-target', finding: 'a second context was accepted', hostSees: 'SECOND_CONTEXT', lane: 'both' },
  { image: 'MiracastHilTrustsInputSize', define: 'MP_BREAK_TRUSTS_INPUT_SIZE', rule: 'kmd.iocontrol.fuzz', finding: 'wrote past OutputBufferSize', hostSees: 'IOCONTROL_OVERRUN', lane: 'both' },
  { image: 'MiracastHilBytesReturned', define: 'MP_BREAK_BYTES_RETURNED', rule: 'kmd.iocontrol.bytes-returned', finding: 'reported BytesReturned', hostSees: 'BYTES_RETURNED', lane: 'both' },
  { image: 'MiracastHilLeakPerMessage', define: 'MP_BREAK_LEAK_PER_MESSAGE', rule: 'kmd.pool.no-leak', finding: 'a leak', hostSees: 'LEAK_AT_DESTROY', lane: 'both' },
];

/** The rules the variants break, and the ones every run must keep clean: what each run selects. */
const selected = [...new Set([...variants.map((v) => v.rule), 'kmd.start.interface', 'kmd.ddi.bounded', 'kmd.host.no-violations'])];
const seed = 0xc0f2;

async function runSuite(): Promise<RunResult> {
  // Fewer fuzz cases than a full run: enough for the seeded cases to reach ECHO with a short output.
  return await runConformance(new KmdSubject({ lane, fuzzCases: 120 }), {
    seed, timeLimitMs: 120_000, lane, selection: { rules: selected, skip: [] },
  });
}

/** "rule: verdict (reason) findings" for every rule the run did not keep clean. */
function unclean(result: RunResult, except?: string): string[] {
  return result.rules
    .filter((r) => r.id !== except && (r.findings.length > 0 || r.verdict === 'fail' || r.verdict === 'error'))
    .map((r) => `${r.id}: ${r.verdict}${r.reason ? ` (${r.reason})` : ''} ${r.findings.map((f) => f.message).join(' | ')}`);
}

/** The docs table, rendered from the cases. */
function variantTable(): string {
  const rows = variants.map((v) => `| \`${v.define}\` (\`${v.image}.sys\`) | \`${v.rule}\` | "${v.finding}" | ${v.lane} |`);
  return ['| broken variant | rule | the finding says | lane |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

describe('the conformance suite against broken miniports', () => {
  it('the docs\' table of broken variants is the one these cases make', () => {
    const doc = fs.readFileSync(path.join(root, 'docs', 'contract.md'), 'utf8').replace(/\r\n/g, '\n');
    const section = /<!-- conformance-variants:begin[^\n]*-->\n([\s\S]*?)\n<!-- conformance-variants:end -->/.exec(doc);
    expect(section?.[1], 'docs/contract.md has no conformance-variants table').toBe(variantTable());
    for (const v of variants) expect(kmdRules.map((r) => r.id), v.image).toContain(v.rule);
  });

  it.each([
    ['the test miniport', defaultHarness],
    ['the minimal example miniport', 'MiracastHilMinimal'],
  ])('%s passes with zero findings', async (_what, image) => {
    await withHarness(image, async (started) => {
      expect(started, `${image} did not start`).toBe(true);
      const result = await runSuite();
      expect(unclean(result), image).toEqual([]);
      expect(result.exitCode, image).toBe(0);
      expect(result.rules.filter((r) => r.verdict === 'pass').length, image).toBeGreaterThan(0);
    });
  }, 120_000);

  it('the fuzzer finds the IoControl that trusts its input size, and its finding\'s command line replays it', async () => {
    await withHarness('MiracastHilTrustsInputSize', async () => {
      const first = await runConformance(new KmdSubject({ lane, fuzzCases: 120 }), {
        seed, timeLimitMs: 60_000, lane, selection: { rules: ['kmd.iocontrol.fuzz'], skip: [] },
      });
      const finding = first.rules.find((r) => r.id === 'kmd.iocontrol.fuzz')!.findings[0];
      expect(finding?.message).toContain('wrote past OutputBufferSize');
      // "miracast-hil conformance --rule kmd.iocontrol.fuzz --seed 0x... --fuzz-cases N (then case ...)"
      const command = /^miracast-hil conformance (.*?) \(then (case \d+ .*)\)$/.exec(finding.replay ?? '');
      expect(command, finding.replay).not.toBeNull();
      let stdout = '';
      const code = await runCli(['conformance', ...command![1].split(' '), '--json', '--lane', lane], {
        stdout: { write: (text: string) => (stdout += text), isTTY: false },
        stderr: { write: () => undefined, isTTY: false },
        env: process.env,
      });
      const replayed = JSON.parse(stdout) as RunResult;
      const again = replayed.rules.find((r) => r.id === 'kmd.iocontrol.fuzz')!;
      expect(code).toBe(1);
      expect(again.findings.map((f) => f.message)).toEqual([finding.message]);
      // The replay sent exactly the cases up to the one that found it, the same one last.
      expect(again.findings[0].message).toContain(command![2].split(':')[0]);
    });
  }, 120_000);

  it('the host\'s watchdog: a DDI call longer than its bound is a DDI_OVERRUN, which kmd.ddi.bounded reports', async () => {
    const rule = kmdRules.find((r) => r.id === 'kmd.ddi.bounded')!;
    const subject = new KmdSubject({ lane });
    await subject.open();
    const device = await openDevice();
    try {
      const context = await device.createContext();
      const mark = await device.traceMark();
      try {
        // The hooks' HOLD keeps the IoControl inside the miniport (the harness's request: only here).
        await context.miniport.hold(contract.ddiBoundMs + 300);
      } finally {
        await context.destroy();
      }
      const overruns = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'violation' && e.violation === 'DDI_OVERRUN');
      expect(overruns).toHaveLength(1);
      expect(overruns[0].arg0).toBeGreaterThan(contract.ddiBoundMs);
      expect(overruns[0].arg1).toBe(contract.ddi.IO_CONTROL);
      // The rule's check, inside the run that saw the overrun.
      const findings: string[] = [];
      const check = await subject.begin(rule, {
        ruleId: rule.id, runSeed: seed, seed, rng: createRng(seed), deadline: Date.now() + 30_000, signal: new AbortController().signal,
        evidence: () => undefined, finding: (message) => void findings.push(message),
        notApplicable: (reason) => { throw new Error(reason); },
      });
      try {
        await rule.check!(check);
      } finally {
        await subject.end(rule, check);
      }
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatch(/^DxgkDdiMiracastIoControl ran \d+ ms, longer than the bound/);
    } finally {
      await device.close();
      await subject.close();
    }
  }, 60_000);

  it.each(variants.map((v) => [v.image, v] as const))('%s fails its own rule and no other', async (image, v) => {
    await withHarness(image, async () => {
      const result = await runSuite();
      const own = result.rules.find((r) => r.id === v.rule)!;
      expect(own.verdict, `${image}: ${v.rule} ${own.reason ?? ''} ${JSON.stringify(own.evidence)}`).toBe('fail');
      expect(own.findings.map((f) => f.message).join('\n'), image).toContain(v.finding);
      expect(own.findings.every((f) => f.attribution === 'miniport'), image).toBe(true);
      if (v.hostSees) {
        // What the host saw, not what the rule looked for: a rule's own evidence also names the
        // kinds it found none of ("the host traced no X", "the host saw 0 X violation(s)"), so
        // only findings and traced events ("X at trace N", describeViolation) count.
        const seen = [...own.findings.flatMap((f) => [f.message, ...f.evidence]),
          ...own.evidence.filter((line) => line.includes(`${v.hostSees} at trace `))].join('\n');
        expect(seen, `${image}: the host's ${v.hostSees}`).toContain(v.hostSees);
      }
      expect(unclean(result, v.rule), image).toEqual([]);
      expect(result.exitCode, image).toBe(1);
    });
  }, 120_000);
});
