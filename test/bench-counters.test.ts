// The benchmark's per-message driver counters: every sendMessage run of `npm run bench` reports
// the IOCTLs the driver dispatched and the callback-worker wake-ups over its measured loop, per
// message, read from the driver's counters on a handle of their own (bench/run.mjs prints them
// beside the rates). Each peer's figure is checked against what that peer knows it issued: one
// SEND_MESSAGE per classic send, one BATCH_SUBMIT_REAP per round of the batched C client, fewer
// IOCTLs than messages for the addon's batched sends. Valid in both lanes (the suite's files run
// one after another, so nothing else moves the driver's counters meanwhile), except the bounds on
// how many messages a batch carries: those hold where an IOCTL costs a wineserver round trip, long
// enough for the next sends to queue behind it (the Wine lane); where an IOCTL costs microseconds
// a batch may carry one message, and only the worst case (a submit and a reap each) is checked.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientExe, lane, root, run } from './helpers';

interface SendRun {
  completions: number;
  failed: number;
  rounds?: number;
  ioctlsPerMessage: number;
  callbackWakesPerMessage: number;
}

function lastJson(stdout: string): SendRun {
  const line = stdout.trim().split(/\r?\n/).reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON line in:\n${stdout}`);
  return JSON.parse(line) as SendRun;
}

const addonBench = path.join(root, 'bench', 'addon.mjs');
// The closing GET_STATS is itself dispatched before the driver copies its counters out, and the
// figures are printed to four decimals: an IOCTL count read back from them is within this of the
// peer's own count.
const slack = (completions: number): number => 1.5 + completions * 0.00005;

describe('the benchmark counts what each peer cost the driver', () => {
  const cases: { name: string; file: string; args: string[]; env?: NodeJS.ProcessEnv; check: (r: SendRun) => void }[] = [
    {
      name: 'the raw C client: one SEND_MESSAGE IOCTL and one callback wake-up per message',
      file: clientExe,
      args: ['bench-send', '4', '400', '16'],
      check: (r) => {
        expect(Math.abs(r.ioctlsPerMessage * r.completions - r.completions), 'IOCTLs counted less messages sent').toBeLessThanOrEqual(slack(r.completions));
        expect(r.callbackWakesPerMessage).toBeGreaterThan(0);
        expect(r.callbackWakesPerMessage).toBeLessThanOrEqual(1);
      },
    },
    {
      name: 'the batched C client: one IOCTL per round, as many as it counted itself',
      file: clientExe,
      args: ['bench-send-batched', '64', '4000', '16'],
      check: (r) => {
        expect(r.rounds).toBeGreaterThan(0);
        expect(r.rounds).toBeLessThanOrEqual(r.completions);
        if (lane === 'wine') expect(r.rounds, 'rounds (many messages each at 64 in flight)').toBeLessThan(r.completions / 4);
        expect(Math.abs(r.ioctlsPerMessage * r.completions - (r.rounds ?? 0)), 'IOCTLs counted less the rounds the client ran').toBeLessThanOrEqual(slack(r.completions));
        expect(r.callbackWakesPerMessage).toBeGreaterThan(0);
        expect(r.callbackWakesPerMessage).toBeLessThanOrEqual(1);
      },
    },
    {
      name: 'the addon: its batched sends, counted the same way (fewer IOCTLs than messages under Wine)',
      file: process.execPath,
      args: [addonBench, 'send', '64', '4000', '16'],
      check: (r) => {
        expect(r.ioctlsPerMessage).toBeGreaterThan(0);
        expect(r.ioctlsPerMessage).toBeLessThanOrEqual(2);   // at worst a submit and a reap per message
        if (lane === 'wine') expect(r.ioctlsPerMessage, 'IOCTLs per message at 64 in flight').toBeLessThan(0.5);
        expect(r.callbackWakesPerMessage).toBeGreaterThan(0);
        expect(r.callbackWakesPerMessage).toBeLessThanOrEqual(1);
      },
    },
    {
      name: 'the addon with every send its own SEND_MESSAGE IOCTL (the benchmark\'s "addon 1:1")',
      file: process.execPath,
      args: [addonBench, 'send', '16', '400', '16'],
      env: { ...process.env, MIRACAST_HIL_CLASSIC_SENDS: '1' },
      check: (r) => {
        expect(Math.abs(r.ioctlsPerMessage * r.completions - r.completions), 'IOCTLs counted less messages sent').toBeLessThanOrEqual(slack(r.completions));
      },
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const { code, stdout, stderr } = await run(c.file, c.args, { env: c.env });
      expect(code, `${path.basename(c.file)} ${c.args.join(' ')} exited ${code}:\n${stderr}\n${stdout}`).toBe(0);
      const result = lastJson(stdout);
      expect(result.failed).toBe(0);
      expect(result.completions).toBe(Number(c.args[c.args.length - 2]));
      c.check(result);
    }, 120_000);
  }
});
