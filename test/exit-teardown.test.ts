// Found by the stress campaign's soak (an unref'd agent detached as the last thing a script did):
// a completion that arrives after the event loop ended was handed to JavaScript during Node's
// teardown, the addon's setImmediate call threw a C++ exception there, and the process died with
// Wine's "Unhandled exception 0x20474343" (exit code 67) instead of ending normally. Valid in both
// lanes.
import { describe, expect, it } from 'vitest';
import { openDevice } from '../dist/index.js';
import { expectIdle, fixture, resetDriver, run } from './helpers';

describe('process exit with a completion due', () => {
  it('ends normally when an unref\'d request completes while the process exits', async () => {
    const device = await openDevice();
    try {
      for (let i = 0; i < 2; i++) {
        const { code, stdout, stderr } = await run(process.execPath, [fixture('exits-with-completion-due.mjs')], { timeoutMs: 60_000 });
        expect(stdout).toContain('ending with a completion due');
        expect(stdout + stderr).not.toMatch(/Unhandled exception/);
        expect(code).toBe(0);
      }
    } finally {
      await resetDriver(device);
      await expectIdle(device);
      await device.close();
    }
  }, 120_000);
});
