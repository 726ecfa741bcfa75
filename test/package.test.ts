// The package as users load it: by name, with require and with import, and its type declarations.
// Valid in both lanes.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './helpers';

function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, stdout: String(stdout), stderr: String(stderr) }));
  });
}

const probe = `
  const m = LIB;
  const device = await m.openDevice();
  const caps = await device.queryCaps();
  await device.close();
  console.log(JSON.stringify({ exports: Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort(), hdcp: caps.hdcpSupport }));
`;

describe('the package', () => {
  it('loads with require() by name', async () => {
    const result = await node(['-e', `(async () => { ${probe.replace('LIB', "require('miracast-hil')")} })()`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ hdcp: true, exports: expect.arrayContaining(['openDevice', 'NtStatusError', 'NtStatus']) });
  });

  it('loads with import by name, with the same exports as require()', async () => {
    const imported = await node(['--input-type=module', '-e', probe.replace('LIB', "await import('miracast-hil')")]);
    const required = await node(['-e', `(async () => { ${probe.replace('LIB', "require('miracast-hil')")} })()`]);
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toEqual(JSON.parse(required.stdout));
  });

  it('ships its type declarations for both entries', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const entry of [pkg.exports['.'].require.types, pkg.exports['.'].import.types, pkg.types]) {
      expect(existsSync(path.join(root, entry)), entry).toBe(true);
    }
    const declarations = readFileSync(path.join(root, pkg.types), 'utf8');
    for (const name of ['openDevice', 'MiracastDevice', 'MiracastContext', 'MiracastAgent', 'NtStatusError', 'NtStatus']) {
      expect(declarations).toContain(name);
    }
  });
});
