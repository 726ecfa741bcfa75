// The raw C client's checks (driver/exe/mh_checks.c), one vitest case per check: the driver's
// behaviour seen through plain Win32 calls, with no addon in between. Valid in both lanes.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientExe, lane, run } from './helpers';

const listed = spawnSync(clientExe, ['list'], { encoding: 'utf8' });
const names = listed.stdout.split(/\r?\n/).filter((line) => line && !line.startsWith('destructive: '));
/** Checks Wine cannot show: the client runs them on Windows only. */
const notInThisLane = (name: string): boolean => name.startsWith('windows-only: ') && lane === 'wine';

describe('raw C client checks', () => {
  const outcomes = new Map<string, string>();

  beforeAll(async () => {
    const { stdout } = await run(clientExe, ['check']);
    const lines = stdout.split(/\r?\n/);
    for (const name of names) {
      // Names contain ': ' themselves, so match each known name rather than split the line.
      if (lines.includes(`ok - ${name}`)) outcomes.set(name, 'ok');
      const failed = lines.find((line) => line.startsWith(`not ok - ${name}: `));
      if (failed) outcomes.set(name, failed.slice(`not ok - ${name}: `.length));
    }
  }, 300_000);

  it('lists its checks', () => {
    expect(listed.status).toBe(0);
    expect(names.length).toBeGreaterThanOrEqual(14);
  });

  for (const name of names) {
    it.skipIf(notInThisLane(name))(name, () => {
      expect(outcomes.get(name) ?? 'did not run').toBe('ok');
    });
  }
});
