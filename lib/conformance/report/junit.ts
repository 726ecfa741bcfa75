// JUnit XML for CI: one test case per rule. A failure is <failure> (its findings and evidence), a
// check that could not run is <error>, not applicable and expected failures are <skipped> with
// the reason, as JUnit readers (Jenkins, GitLab, Azure Pipelines) understand them.
import { formatSeed } from '../prng';
import type { RuleResult, RunResult } from '../types';
import { attributionText } from './text';

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function details(r: RuleResult): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    lines.push(`finding against ${attributionText(f.attribution)}: ${f.message}`);
    if (f.attributionReason) lines.push(`  why: ${f.attributionReason}`);
    for (const e of f.evidence) lines.push(`  ${e}`);
    if (f.replay) lines.push(`  replay: ${f.replay}`);
  }
  for (const e of r.evidence) lines.push(`evidence: ${e}`);
  return lines.join('\n');
}

function testCase(r: RuleResult): string {
  const head = `    <testcase classname="${xmlEscape(r.id.split('.').slice(0, 2).join('.'))}" name="${xmlEscape(`${r.id}: ${r.text}`)}" ` +
    `time="${(r.durationMs / 1000).toFixed(3)}">`;
  const body: string[] = [];
  if (r.verdict === 'fail' && r.expectedFailure !== undefined) {
    body.push(`      <skipped message="${xmlEscape(`expected failure: ${r.expectedFailure}`)}"/>`);
    body.push(`      <system-out>${xmlEscape(details(r))}</system-out>`);
  } else if (r.verdict === 'fail') {
    const first = r.findings[0];
    const type = first ? attributionText(first.attribution) : 'finding';
    body.push(`      <failure message="${xmlEscape(first?.message ?? 'the rule failed')}" type="${xmlEscape(type)}">${xmlEscape(details(r))}</failure>`);
  } else if (r.verdict === 'error') {
    body.push(`      <error message="${xmlEscape(r.reason ?? 'the check could not run')}" type="error">${xmlEscape(details(r))}</error>`);
  } else if (r.verdict === 'notApplicable') {
    body.push(`      <skipped message="${xmlEscape(`not applicable: ${r.reason ?? ''}`)}"/>`);
  } else if (r.evidence.length > 0) {
    body.push(`      <system-out>${xmlEscape(details(r))}</system-out>`);
  }
  return [head, ...body, '    </testcase>'].join('\n');
}

export function formatJUnit(result: RunResult): string {
  const c = result.counts;
  const skipped = c.notApplicable + c.expectedFailures;
  const time = (result.durationMs / 1000).toFixed(3);
  const suiteName = `miracast-hil conformance: ${result.subject.kind}`;
  const properties = [
    ['subject', result.subject.name], ['lane', result.lane], ['seed', formatSeed(result.seed)],
    ['configuration', result.configuration.join(', ') || 'none'], ['exitCode', String(result.exitCode)],
    ...Object.entries(result.subject.facts),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="miracast-hil conformance" tests="${c.rules}" failures="${c.failed}" errors="${c.errors}" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${xmlEscape(suiteName)}" tests="${c.rules}" failures="${c.failed}" errors="${c.errors}" skipped="${skipped}" ` +
      `time="${time}" timestamp="${xmlEscape(result.startedAt)}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${xmlEscape(name)}" value="${xmlEscape(value)}"/>`),
    '    </properties>',
    ...result.rules.map(testCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
