// docs/contract.md's rule tables are the rule table: generated from it, and compared here, so
// the docs and the conformance suite cannot drift. Needs no driver.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kmdRuleSet, renderRuleTable, ruleSets, updateRuleTables } from '../dist/conformance/index.js';
import { umdRules } from '../dist/index.js';
import { root } from './helpers';

const docPath = path.join(root, 'docs', 'contract.md');

describe('docs/contract.md and the rule table', () => {
  it('the generated tables in the docs equal the rule table (run scripts/gen-contract-doc.mjs after changing a rule)', () => {
    const doc = fs.readFileSync(docPath, 'utf8').replace(/\r\n/g, '\n');
    expect(updateRuleTables(doc, ruleSets)).toBe(doc);
  });

  it('every rule is a row of its table, under its id, with its source and lane', () => {
    const doc = fs.readFileSync(docPath, 'utf8');
    for (const rule of kmdRuleSet.rules) {
      const row = doc.split('\n').find((line) => line.includes(`| \`${rule.id}\` |`));
      expect(row, rule.id).toBeDefined();
      expect(row).toContain(rule.sources.map((s) => `[${s}]`).join(' '));
    }
  });

  it('the UMD rules (lib/umd/rules.ts) and their docs table list the same ids, each with its source', () => {
    const doc = fs.readFileSync(docPath, 'utf8');
    const section = doc.slice(doc.indexOf('## The user-mode driver (UMD) rules'), doc.indexOf('What the host guarantees the UMD'));
    const documented = [...section.matchAll(/\(`(umd\.[A-Za-z0-9.]+)`/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(umdRules.map((r) => r.id).sort());
    for (const rule of umdRules) {
      const row = section.split('\n').find((line) => line.includes(`(\`${rule.id}\``));
      expect(row, rule.id).toContain(`[${rule.source}]`);
    }
  });

  it('a rule set without its markers in the docs is refused, not left out', () => {
    const stray = { ...kmdRuleSet, id: 'stray' };
    expect(() => updateRuleTables('# no markers here\n', [stray])).toThrow(/no section for rule set 'stray'/);
  });

  it('rule ids are unique, lower case, and start with their rule set\'s id', () => {
    for (const set of ruleSets) {
      const ids = set.rules.map((r) => r.id);
      expect(new Set(ids).size, set.id).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(new RegExp(`^${set.id}\\.[a-z0-9-]+(\\.[a-z0-9-]+)+$`));
      for (const rule of set.rules) {
        for (const need of rule.needs) expect(set.needs.map((n) => n.id), `${rule.id} needs ${need}`).toContain(need);
        if (rule.lane !== 'both') expect(rule.laneReason, rule.id).toBeTruthy();
      }
      expect(renderRuleTable(set)).toContain(set.title);
    }
  });
});
