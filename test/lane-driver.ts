// Loading another harness build (another miniport, or a broken variant of the test miniport) into
// the running lane's service, for one test or a whole file: the service is stopped, its image
// swapped, started again, the body runs, and the default driver is put back in `finally`.
//
// Lanes: under Wine the service's unload runs with handles still open, so tests close theirs
// first anyway; on Windows the images must be test-signed and the tests run elevated, and the
// I/O manager defers an unload until every handle has closed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { contract } from '../dist/index.js';
import { root, run, waitFor } from './helpers';

/** A harness image the build made (driver/CMakeLists.txt: mh_add_harness). */
export function harnessImage(name: string): string {
  return path.join(root, 'build', 'driver', `${name}.sys`);
}

/** The default harness: the test miniport. */
export const defaultHarness = 'MiracastHil';

const installedImage = path.join(process.env.SystemRoot ?? 'C:\\windows', 'system32', 'drivers', `${contract.serviceName}.sys`);

async function sc(...args: string[]): Promise<string> {
  return (await run('sc', args)).stdout;
}

/** A REG_DWORD or REG_SZ the driver wrote under its service key (they outlive the image). */
export async function readServiceValue(name: string): Promise<number | string> {
  const { stdout } = await run('reg', ['query', `HKLM\\System\\CurrentControlSet\\Services\\${contract.serviceName}`, '/v', name]);
  const dword = /REG_DWORD\s+0x([0-9a-f]+)/i.exec(stdout);
  if (dword) return parseInt(dword[1], 16);
  const text = /REG_SZ\s+(.*)$/m.exec(stdout);
  if (text) return text[1].trim();
  throw new Error(`no ${name} in the service key: ${stdout}`);
}

async function stopService(): Promise<void> {
  await sc('stop', contract.serviceName);
  await waitFor(() => sc('query', contract.serviceName), (s) => /STOPPED/.test(s), 20_000, `${contract.serviceName} STOPPED`);
}

/** Starts the service; resolves to whether it came up (a broken variant may refuse to start). */
async function startService(): Promise<boolean> {
  await sc('start', contract.serviceName);
  const state = await waitFor(() => sc('query', contract.serviceName), (s) => /RUNNING|STOPPED/.test(s) && !/PENDING/.test(s),
    20_000, `${contract.serviceName} RUNNING or STOPPED`);
  return /RUNNING/.test(state);
}

/** Stops the service, installs `name`'s image, starts it. Resolves to whether it started. */
export async function loadHarness(name: string): Promise<boolean> {
  await stopService();
  fs.copyFileSync(harnessImage(name), installedImage);
  return await startService();
}

/**
 * Runs `body` with harness `name` loaded (started: whether the service came up), then puts the
 * default driver back, whatever happened.
 */
export async function withHarness<T>(name: string, body: (started: boolean) => Promise<T>): Promise<T> {
  try {
    return await body(await loadHarness(name));
  } finally {
    if (!(await loadHarness(defaultHarness))) throw new Error('the default driver did not start again');
  }
}

/** For a whole test file: harness `name` is loaded before its tests and the default put back after. */
export function useHarness(name: string): void {
  beforeAll(async () => {
    if (!(await loadHarness(name))) throw new Error(`${name} did not start`);
  }, 60_000);
  afterAll(async () => {
    if (!(await loadHarness(defaultHarness))) throw new Error('the default driver did not start again');
  }, 60_000);
}
