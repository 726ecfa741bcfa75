// `miracast-hil driver stop|start` and what a user sees while the driver is not loaded: the CLI's
// exit codes and the library's open error. Valid in both lanes (on Windows it needs an elevated
// run, as the driver commands do). No device stays open here while the driver stops.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDevice, NtStatus, NtStatusError, contract } from '../dist/index.js';
import { root, run, waitFor } from './helpers';

const cli = path.join(root, 'dist', 'cli', 'main.js');
const miracastHil = (...args: string[]) => run(process.execPath, [cli, ...args], { timeoutMs: 90_000 });
const scQuery = async () => (await run('sc', ['query', contract.serviceName])).stdout;

describe('while the driver is not loaded', () => {
  it('driver stop, then status exits 1, doctor fails naming the fix, caps could not run, openDevice says what to do; driver start brings it back', async () => {
    try {
      const stop = await miracastHil('driver', 'stop', '--json');
      expect(stop.code).toBe(0);
      expect(JSON.parse(stop.stdout)).toMatchObject({ service: 'MiracastHil', state: 'stopped' });

      const status = await miracastHil('driver', 'status');
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/^MiracastHil: stopped/);

      const doctor = await miracastHil('doctor', '--json');
      expect(doctor.code).toBe(1);
      const checks = JSON.parse(doctor.stdout).checks as { id: string; status: string; hint?: string; detail: string }[];
      expect(checks.find((c) => c.id === 'service')).toMatchObject({ status: 'fail', hint: 'miracast-hil driver start (elevated)' });
      expect(checks.find((c) => c.id === 'device')).toMatchObject({ status: 'fail', hint: expect.stringContaining('miracast-hil driver status') });

      const caps = await miracastHil('caps');
      expect(caps.code).toBe(2);
      expect(caps.stderr).toContain('openDevice(\\\\.\\MiracastHil) failed: STATUS_OBJECT_NAME_NOT_FOUND');
      expect(caps.stderr).toContain('the MiracastHil driver is not loaded');

      const error = await openDevice().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(NtStatusError);
      expect(error).toMatchObject({
        status: NtStatus.STATUS_OBJECT_NAME_NOT_FOUND, operation: 'openDevice', win32: 2,
        path: '\\\\.\\MiracastHil', service: 'MiracastHil',
      });
      expect((error as Error).message).toMatch(/^openDevice\(\\\\\.\\MiracastHil\) failed: STATUS_OBJECT_NAME_NOT_FOUND \(Win32 error 2\): the MiracastHil driver is not loaded\. Check it with `miracast-hil driver status`; install and start it with `miracast-hil driver install`/);
      expect((error as Error).stack).toContain('the MiracastHil driver is not loaded');

      const start = await miracastHil('driver', 'start');
      expect(start.code).toBe(0);
      expect(start.stdout).toMatch(/^MiracastHil: running/);
      const device = await openDevice();
      await device.close();
    } finally {
      // Whatever failed above, the files after this one need the driver.
      if (!/RUNNING/.test(await scQuery())) {
        await run('sc', ['start', contract.serviceName]);
        await waitFor(scQuery, (s) => /RUNNING/.test(s), 30_000, 'the driver to run again');
      }
    }
  });
});

describe('openDevice on a path that is not the driver\'s', () => {
  it('names the path it tried and the driver\'s own', async () => {
    const error = await openDevice({ path: '\\\\.\\MiracastHilNoSuchDevice' }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ status: NtStatus.STATUS_OBJECT_NAME_NOT_FOUND, path: '\\\\.\\MiracastHilNoSuchDevice' });
    expect((error as Error).message).toContain('openDevice(\\\\.\\MiracastHilNoSuchDevice) failed');
    expect((error as Error).message).toContain('or \\\\.\\MiracastHilNoSuchDevice is not the right path: the driver\'s device is \\\\.\\MiracastHil');
  });
});
