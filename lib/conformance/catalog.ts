// Every rule set of the project, in the order the docs list them. A new rule set (the UMD's,
// lib/umd/rules.ts) is added here and gets its pair of markers in docs/contract.md.
import type { RuleSet } from './types';
import { kmdRuleSet } from './rules';

export const ruleSets: readonly RuleSet<never>[] = [kmdRuleSet];
