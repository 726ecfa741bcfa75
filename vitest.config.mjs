// The suite runs inside the Windows Node of the Wine lane (scripts/test.sh), or on Windows with
// the driver installed. Files run one after another, each in its own process: they share one
// driver, whose single Miracast target and counters are global.
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { reporters } from './scripts/lib/vitest-reporters.mjs';

// A process that could not be created at all (under Wine, now and then) is created again: in this
// process, whose worker pool forks a process per test file, and in each of those (spawn-retry.cjs).
const require = createRequire(import.meta.url);
const spawnRetry = require.resolve('./scripts/lib/spawn-retry.cjs');
require(spawnRetry);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc', '--require', spawnRetry] } },
    fileParallelism: false,
    maxWorkers: 1,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The built package (dist/) is loaded by Node itself, as users load it.
    server: { deps: { external: [/[\\/]dist[\\/]/] } },
    // JSON report (the closing line), errors outside tests, and JUnit when MIRACAST_HIL_JUNIT is set.
    reporters: reporters(),
  },
});
