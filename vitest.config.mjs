// The suite runs inside the Windows Node of the Wine lane (scripts/test.sh), or on Windows with
// the driver installed. Files run one after another, each in its own process: they share one
// driver, whose single Miracast target and counters are global.
import { defineConfig } from 'vitest/config';
import { reporters } from './scripts/lib/vitest-reporters.mjs';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
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
