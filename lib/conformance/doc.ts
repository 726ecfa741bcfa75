// docs/contract.md's rule tables, generated from the rule sets: one table per rule set between
// markers, so the docs and the suite cannot drift (a test compares them; scripts/gen-contract-doc.mjs
// rewrites them). A new rule set (lib/umd/rules.ts) joins by being listed in catalog.ts and
// getting its pair of markers in the docs.
import type { CheckBase, Rule, RuleSet } from './types';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function beginMarker(ruleSetId: string): string {
  return `<!-- conformance-rules:${ruleSetId}:begin (generated from the rule table: edit the rules, then run scripts/gen-contract-doc.mjs) -->`;
}

export function endMarker(ruleSetId: string): string {
  return `<!-- conformance-rules:${ruleSetId}:end -->`;
}

/** The markdown table of one rule set (without markers). */
export function renderRuleTable<C extends CheckBase>(ruleSet: RuleSet<C>): string {
  const lines: string[] = [];
  lines.push(`### ${ruleSet.title}`, '');
  lines.push(`Judged: the ${ruleSet.subjectKind}, or the host standing in for the OS where the "judges" column says so. ` +
    'What a rule needs beyond the DDIs:', '');
  for (const need of ruleSet.needs) lines.push(`- **${need.id}**: ${need.what}`);
  lines.push('');
  lines.push('| area | id | rule | source | judges | lane | needs | conformance check | also tested by |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let area = '';
  for (const rule of ruleSet.rules as readonly Rule<C>[]) {
    const areaCell = rule.area === area ? '' : `**${rule.area}**`;
    area = rule.area;
    const lane = rule.lane === 'both' ? 'both' : `${rule.lane === 'windows' ? 'Windows' : 'Wine'}${rule.laneReason ? ` (${rule.laneReason})` : ''}`;
    const check = rule.check ? 'yes' : 'not yet';
    const faults = rule.usesFaults?.length ? `; arms ${rule.usesFaults.join(', ')}` : '';
    lines.push(`| ${areaCell} | \`${rule.id}\` | ${cell(rule.text)} | ${rule.sources.map((s) => `[${s}]`).join(' ')} | ${rule.judges} | ` +
      `${lane} | ${rule.needs.length ? rule.needs.join(', ') : '-'} | ${check}${faults} | ${cell(rule.alsoTestedBy ?? '')} |`);
  }
  return lines.join('\n');
}

/**
 * Replaces each rule set's generated section in `markdown`. Throws when a rule set has no
 * markers, so a new rule set cannot be left out of the docs silently.
 */
export function updateRuleTables(markdown: string, ruleSets: readonly RuleSet<never>[]): string {
  let text = markdown;
  for (const ruleSet of ruleSets) {
    const begin = beginMarker(ruleSet.id);
    const end = endMarker(ruleSet.id);
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new Error(`the docs have no section for rule set '${ruleSet.id}': add the lines\n${begin}\n${end}`);
    }
    text = `${text.slice(0, from)}${begin}\n${renderRuleTable(ruleSet)}\n${text.slice(to)}`;
  }
  return text;
}
