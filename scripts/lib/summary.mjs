// Prints the plain closing line CI reads - "N passed, N failed" (", N skipped" when any) - from
// vitest's JSON report plus any extra result files, and exits non-zero if anything failed or the
// report is missing.
//   node scripts/lib/summary.mjs VITEST-REPORT.json [RESULTS-DIR]
// Extra result sources (steps that run outside vitest, such as the Linux-side render of the
// conformance report) each write RESULTS-DIR/<source>.json:
//   { "source": "<source>", "passed": N, "failed": N, "skipped": N, "failures": [{ "name", "message" }] }
// A file that cannot be read or lacks the counts is one failure.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';

const [file, resultsDir] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
let passed = report.numPassedTests ?? 0;
// A file that failed to load has no failed tests of its own: count it as a failure.
const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
let failed = (report.numFailedTests ?? 0) + brokenFiles;
let skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (resultsDir && existsSync(resultsDir)) {
  for (const name of readdirSync(resultsDir).filter((n) => n.endsWith('.json')).sort()) {
    try {
      const extra = JSON.parse(readFileSync(path.join(resultsDir, name), 'utf8'));
      if (![extra.passed, extra.failed].every((n) => Number.isInteger(n) && n >= 0)) throw new Error('no counts');
      passed += extra.passed;
      failed += extra.failed;
      skipped += Number.isInteger(extra.skipped) ? extra.skipped : 0;
      for (const f of extra.failures ?? []) console.error(`failed (${extra.source ?? name}): ${f.name}: ${f.message}`);
    } catch (error) {
      console.error(`failed: result file ${name} is unreadable (${error.message})`);
      failed += 1;
    }
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || report.success === false ? 1 : 0);
