// The conformance suite: rules, the runner, the kernel-miniport subject, and the reporters.
export * from './types';
export { runConformance, countResults, exitCodeFor, RunSetupError, type RunOptions } from './runner';
export { parseKnownFailures, patternMatcher, type Selection } from './select';
export { createRng, deriveSeed, formatSeed, parseSeed, randomSeed } from './prng';
export { kmdRules, kmdRuleSet } from './rules';
export { ruleSets } from './catalog';
export { renderRuleTable, updateRuleTables } from './doc';
export { KmdSubject, type KmdSubjectOptions } from './kmd/subject';
export { UmdSubject, umdRuleSet, type UmdSubjectOptions, type UmdCheck } from './umd/subject';
export type { KmdCheck } from './kmd/check-context';
export { ddiSpans, findOverlaps, ddiStatusProblem, type DdiSpan, type Overlap } from './kmd/trace-analysis';
export { generateCase, describeCase, type FuzzCase } from './kmd/checks/fuzz';
export { testMiniportCommandSpace, type CommandSpace } from './kmd/command-space';
export { formatSummary } from './report/text';
export { formatJUnit } from './report/junit';
export { formatHtml } from './report/html';
