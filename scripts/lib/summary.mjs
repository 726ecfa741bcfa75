// The closing line of `npm test`, the one line CI reads: "N passed, N failed" (", N skipped"
// when any), then in parentheses what each failure was. The exit code agrees with the line:
// 0 exactly when nothing failed.
//
// What counts as a failure (each one, with a word on what it was):
//   - a failed test (vitest's JSON report);
//   - a test file that failed without a failed test of its own: it did not load, or a hook
//     (beforeAll/afterAll) failed;
//   - each error vitest caught outside a test - an unhandled rejection, an uncaught exception,
//     a crashed worker - from the "vitest-run" result file its reporter writes
//     (scripts/lib/vitest-run-reporter.mjs); vitest's own JSON report leaves them out;
//   - a missing or unreadable report (unless the vitest-run file says why vitest died);
//   - vitest exiting non-zero when none of the above explains it;
//   - every failure another result source reports (below).
//
// Other result sources (script checks, a stress slice, Linux-side checks) add their counts by
// writing one JSON file each into the results folder (build/results/, or build/results-<lane>/
// with MH_LANE_ID), named after the source, e.g. build/results/stress.json:
//
//   { "source": "stress", "passed": 4, "skipped": 0,
//     "failures": [ { "name": "abort storm", "kind": "stress", "message": "3 promises never settled" } ] }
//
// "failures" lists every failure (the count is its length); "passed" and "skipped" are counts.
// A source should write a file that says it did not finish before it starts (a failure of kind
// "incomplete") and replace it at the end, so that a source that dies half way still counts. An
// unreadable file counts as a failure. scripts/test.sh empties the folder before each run.
//
// Usage: node scripts/lib/summary.mjs --vitest REPORT.json [--exit-code N] [--results DIR]
// Also importable (summarize) so that its rules are unit-tested on crafted reports.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const basename = (file) => String(file ?? '').split(/[\\/]/).pop();

/** "3 failed tests", "2 files that failed to load": the plural of a kind, for counts above 1. */
const plurals = {
  'failed test': 'failed tests', 'file that failed to load': 'files that failed to load',
  'file whose hooks failed': 'files whose hooks failed', incomplete: 'incomplete',
};
const counted = (count, kind) => `${count} ${count === 1 ? kind : plurals[kind] ?? `${kind}s`}`;

/**
 * Counts one run. `vitest` is vitest's JSON report (undefined when missing or unreadable);
 * `vitestExitCode` its exit code (undefined when unknown); `sources` the other result files as
 * { file, data } (data undefined when unreadable). Returns { passed, failed, skipped, failures,
 * line, exitCode }: `failures` lists { kind, name, message }.
 */
export function summarize({ vitest, vitestExitCode, sources = [] }) {
  let passed = 0;
  let skipped = 0;
  const failures = [];

  if (vitest === undefined || vitest === null || typeof vitest !== 'object') {
    // When vitest died, its run file says why (a crashed worker, ...): that is the failure.
    const explained = sources.some(({ file, data }) => basename(file) === 'vitest-run.json' && data?.failures?.length > 0);
    if (!explained) {
      failures.push({ kind: 'missing test report', name: 'vitest', message: 'vitest wrote no readable JSON report' });
    }
  } else {
    passed += vitest.numPassedTests ?? 0;
    skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
    for (const file of vitest.testResults ?? []) {
      const tests = file.assertionResults ?? [];
      for (const test of tests) {
        if (test.status === 'failed') {
          failures.push({ kind: 'failed test', name: `${basename(file.name)} > ${test.fullName ?? test.title}`, message: (test.failureMessages ?? [])[0] ?? '' });
        }
      }
      if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
        const kind = tests.length === 0 ? 'file that failed to load' : 'file whose hooks failed';
        failures.push({ kind, name: basename(file.name), message: file.message ?? '' });
      }
    }
  }

  for (const { file, data } of sources) {
    const source = basename(file).replace(/\.json$/, '');
    if (data === undefined || data === null || typeof data !== 'object' || !Array.isArray(data.failures)) {
      failures.push({ kind: 'unreadable result file', name: basename(file), message: 'not a result file (see scripts/lib/summary.mjs)' });
      continue;
    }
    passed += Number.isInteger(data.passed) && data.passed > 0 ? data.passed : 0;
    skipped += Number.isInteger(data.skipped) && data.skipped > 0 ? data.skipped : 0;
    for (const failure of data.failures) {
      failures.push({ kind: String(failure?.kind ?? data.source ?? source), name: String(failure?.name ?? source), message: String(failure?.message ?? '') });
    }
  }

  // Vitest failed and nothing above says why: still a failure, never a green line.
  if (failures.length === 0 && vitestExitCode !== undefined && vitestExitCode !== 0) {
    failures.push({ kind: 'vitest failure', name: 'vitest', message: `vitest exited with code ${vitestExitCode} and reported no failure` });
  } else if (failures.length === 0 && vitest?.success === false) {
    failures.push({ kind: 'vitest failure', name: 'vitest', message: 'vitest reported the run as failed (no test files?)' });
  }

  const byKind = new Map();
  for (const failure of failures) byKind.set(failure.kind, (byKind.get(failure.kind) ?? 0) + 1);
  const details = [...byKind].map(([kind, count]) => counted(count, kind)).join(', ');
  const failed = failures.length;
  const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${details ? ` (${details})` : ''}`;
  return { passed, failed, skipped, failures, line, exitCode: failed > 0 ? 1 : 0 };
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The result files of a folder (none when it does not exist). */
export function readSources(dir) {
  let names = [];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((name) => ({ file: path.join(dir, name), data: readJson(path.join(dir, name)) }));
}

function main(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--vitest', '--exit-code', '--results'].includes(argv[i]) || argv[i + 1] === undefined) {
      console.error(`usage: summary.mjs --vitest REPORT.json [--exit-code N] [--results DIR] (got ${argv[i]})`);
      console.log('0 passed, 1 failed (summary usage error)');
      return 1;
    }
    options[argv[i].slice(2)] = argv[i + 1];
  }
  const code = Number(options['exit-code']);
  const result = summarize({
    vitest: options.vitest === undefined ? undefined : readJson(options.vitest),
    vitestExitCode: options['exit-code'] === undefined ? undefined : Number.isInteger(code) ? code : 1,
    sources: options.results === undefined ? [] : readSources(options.results),
  });
  // Each failure that is not a test (those vitest printed already), then the line, last.
  for (const failure of result.failures) {
    if (failure.kind !== 'failed test') {
      console.log(`${failure.kind}: ${failure.name}${failure.message ? `: ${failure.message.split('\n')[0]}` : ''}`);
    }
  }
  console.log(result.line);
  return result.exitCode;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
