// The raw C client's checks (driver/exe/mh_checks.c), one vitest case per check: the driver's
// behaviour seen through plain Win32 calls, with no addon in between. Valid in both lanes.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientExe, run } from './helpers';

const listed = spawnSync(clientExe, ['list'], { encoding: 'utf8' });
const names = listed.stdout.split(/\r?\n/).filter((line) => line && !line.startsWith('destructive: '));

describe('raw C client checks', () => {
  const outcomes = new Map<string, string>();

  beforeAll(async () => {
    const { stdout } = await run(clientExe, ['check']);
    for (const line of stdout.split(/\r?\n/)) {
      const ok = /^ok - (.*)$/.exec(line);
      const notOk = /^not ok - (.*?): (.*)$/.exec(line);
      if (ok) outcomes.set(ok[1], 'ok');
      else if (notOk) outcomes.set(notOk[1], notOk[2]);
    }
  }, 300_000);

  it('lists its checks', () => {
    expect(listed.status).toBe(0);
    expect(names.length).toBeGreaterThanOrEqual(14);
  });

  for (const name of names) {
    it(name, () => {
      expect(outcomes.get(name) ?? 'did not run').toBe('ok');
    });
  }
});
