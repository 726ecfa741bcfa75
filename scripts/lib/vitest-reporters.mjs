// The reporters of every vitest run of this project (the suite, and the nested runs the suite
// makes of its fixtures), chosen by environment:
//   MIRACAST_HIL_REPORT   vitest's JSON report, which the closing line is computed from
//                         (default build/test-results.json)
//   MIRACAST_HIL_RESULTS  the results folder: vitest-run.json, the errors vitest caught outside
//                         tests (default build/results)
//   MIRACAST_HIL_JUNIT    also write JUnit XML there, for CI systems; the JSON report is unchanged
import * as path from 'node:path';
import VitestRunReporter from './vitest-run-reporter.mjs';

export function reporters(env = process.env) {
  const list = [
    'default',
    ['json', { outputFile: env.MIRACAST_HIL_REPORT ?? 'build/test-results.json' }],
    new VitestRunReporter({ outputFile: path.join(env.MIRACAST_HIL_RESULTS ?? 'build/results', 'vitest-run.json') }),
  ];
  if (env.MIRACAST_HIL_JUNIT) list.push(['junit', { outputFile: env.MIRACAST_HIL_JUNIT }]);
  return list;
}
