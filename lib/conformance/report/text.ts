// The run for people reading a terminal or a CI log: a summary with every rule's verdict, each
// finding with its evidence and who it is against. (The live progress line is the CLI's own,
// lib/cli/progress.ts: terminals only.)
import { formatSeed } from '../prng';
import type { Attribution, RuleResult, RunResult } from '../types';

const label: Record<string, string> = { pass: 'PASS', fail: 'FAIL', notApplicable: 'N/A', error: 'ERROR' };

export function verdictLabel(result: RuleResult): string {
  if (result.verdict === 'fail' && result.expectedFailure !== undefined) return 'XFAIL';
  return label[result.verdict];
}

export function attributionText(attribution: Attribution): string {
  return attribution === 'configuration' ? "the run's configuration" : `the ${attribution}`;
}

export function formatSummary(result: RunResult): string {
  const out: string[] = [];
  out.push(`miracast-hil conformance: ${result.subject.name} (${result.subject.kind}), ${result.lane === 'wine' ? 'Wine' : 'Windows'} lane, ` +
    `seed ${formatSeed(result.seed)}`);
  if (result.configuration.length > 0) {
    out.push(`configuration: host faults ${result.configuration.join(', ')} (the host misbehaves on purpose; findings they cause ` +
      'are attributed to the configuration)');
  }
  out.push('');
  const idWidth = Math.max(...result.rules.map((r) => r.id.length));
  for (const r of result.rules) {
    out.push(`${verdictLabel(r).padEnd(6)} ${r.id.padEnd(idWidth)}  ${r.verdict === 'notApplicable' || r.verdict === 'error' ? r.reason : r.text}`);
    if (r.expectedFailure !== undefined) out.push(`${' '.repeat(9)}expected failure: ${r.expectedFailure}`);
    if (r.unexpectedPass) out.push(`${' '.repeat(9)}listed as a known failure but passed: the entry can go`);
    for (const f of r.findings) {
      out.push(`${' '.repeat(9)}finding against ${attributionText(f.attribution)}: ${f.message}`);
      if (f.attributionReason) out.push(`${' '.repeat(11)}why: ${f.attributionReason}`);
      for (const e of f.evidence) out.push(`${' '.repeat(11)}${e}`);
      if (f.replay) out.push(`${' '.repeat(11)}replay: ${f.replay}`);
    }
    if (r.verdict === 'fail' || r.verdict === 'error') {
      for (const e of r.evidence) out.push(`${' '.repeat(11)}evidence: ${e}`);
    }
  }
  const c = result.counts;
  out.push('');
  out.push(`${c.rules} rules: ${c.passed} passed, ${c.failed} failed, ${c.expectedFailures} expected failure(s), ` +
    `${c.notApplicable} not applicable, ${c.errors} error(s) in ${(result.durationMs / 1000).toFixed(1)} s`);
  const by = Object.entries(c.findingsBy).map(([who, n]) => `${n} against ${attributionText(who as Attribution)}`);
  out.push(`findings: ${by.length ? by.join(', ') : 'none'}`);
  out.push(`exit code ${result.exitCode}: ${['every rule passed or was not applicable', 'a rule failed', 'the run could not be completed'][result.exitCode]}`);
  return `${out.join('\n')}\n`;
}
