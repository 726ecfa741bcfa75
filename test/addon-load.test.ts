// Finding and loading the addon, as someone who installed the package meets it: each way it can
// fail gets a message that says what to do; NODE_DEBUG=miracast-hil logs requests. Each case runs
// in its own process (a process loads the addon once). Valid in both lanes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, root, run } from './helpers';

const scratch = path.join(root, 'build', 'test-addon-load');
const prebuilt = path.join(root, 'prebuilds', 'win32-x64', 'miracast-hil.napi.node');
const probe = (target: string, env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [fixture('load-probe.cjs'), target], { env: { ...process.env, ...env } });

/** A copy of the package (dist, package.json, node-gyp-build) with the prebuilds/ given. */
function packageCopy(name: string, prebuilds: Record<string, Buffer>): string {
  const app = path.join(scratch, name);
  const pkg = path.join(app, 'node_modules', 'miracast-hil');
  fs.rmSync(app, { recursive: true, force: true });
  fs.mkdirSync(pkg, { recursive: true });
  fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(app, 'node_modules', 'node-gyp-build'), { recursive: true });
  for (const [file, bytes] of Object.entries(prebuilds)) {
    fs.mkdirSync(path.dirname(path.join(pkg, 'prebuilds', file)), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'prebuilds', file), bytes);
  }
  return pkg;
}

/** The prebuilt with its COFF machine field set to ARM64: what an arm64 build looks like to the loader. */
function arm64Image(): Buffer {
  const image = fs.readFileSync(prebuilt);
  image.writeUInt16LE(0xaa64, image.readUInt32LE(0x3c) + 4);
  return image;
}

beforeAll(() => {
  fs.mkdirSync(scratch, { recursive: true });
});

describe('loading the addon', () => {
  it('from the package\'s prebuilds/ (the prebuildify layout) when nothing else is set', async () => {
    const pkg = packageCopy('x64', { 'win32-x64/miracast-hil.napi.node': fs.readFileSync(prebuilt) });
    const result = await probe(pkg);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, caps: { hdcpSupport: true } });
  });

  it('MIRACAST_HIL_ADDON naming a file that does not exist says so, and how to fix it', async () => {
    const missing = path.join(scratch, 'nowhere', 'miracast_hil.node');
    const result = JSON.parse((await probe(path.join(root, 'dist', 'index.js'), { MIRACAST_HIL_ADDON: missing })).stdout);
    expect(result).toMatchObject({ ok: false, name: 'AddonLoadError', code: 'ERR_MIRACAST_HIL_ADDON_NOT_FOUND' });
    expect(result.message).toBe(`MIRACAST_HIL_ADDON is set to ${missing}, which does not exist. Unset MIRACAST_HIL_ADDON to use the ` +
      'addon that ships with miracast-hil, or point it at a miracast_hil.node that exists.');
  });

  it('an addon for another architecture is named as such, with what to do', async () => {
    const wrong = path.join(scratch, 'arm64.node');
    fs.writeFileSync(wrong, arm64Image());
    const result = JSON.parse((await probe(path.join(root, 'dist', 'index.js'), { MIRACAST_HIL_ADDON: wrong })).stdout);
    expect(result).toMatchObject({ ok: false, name: 'AddonLoadError', code: 'ERR_MIRACAST_HIL_ADDON_ARCH' });
    expect(result.message).toContain(`is built for arm64, but this Node runs as ${process.arch}`);
    expect(result.message).toContain(`prebuilds/win32-${process.arch}/`);
  });

  it('a package with only another architecture\'s prebuilt says which it has and how to get the right one', async () => {
    const pkg = packageCopy('arm64-only', { 'win32-arm64/miracast-hil.napi.node': arm64Image() });
    const result = JSON.parse((await probe(pkg)).stdout);
    expect(result).toMatchObject({ ok: false, code: 'ERR_MIRACAST_HIL_ADDON_NOT_FOUND' });
    expect(result.message).toContain(`has no addon for win32-${process.arch}`);
    expect(result.message).toContain('it has prebuilt addons for win32-arm64 only');
    expect(result.message).toContain('npm install miracast-hil');
    expect(result.message).not.toContain('npm run build');
  });

  it('a package with no addon at all says to reinstall it, not to build it', async () => {
    const pkg = packageCopy('none', {});
    const result = JSON.parse((await probe(pkg)).stdout);
    expect(result).toMatchObject({ ok: false, code: 'ERR_MIRACAST_HIL_ADDON_NOT_FOUND' });
    expect(result.message).toContain('(no prebuilds/ folder and no source build)');
    expect(result.message).toContain('keep its prebuilds/ folder');
  });
});

describe('NODE_DEBUG=miracast-hil', () => {
  const script = `
    const m = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
    (async () => {
      const device = await m.openDevice();
      const umd = await m.openDevice();
      const context = await device.createContext();
      const agent = await umd.attachAgent(({ outputSize }) => ({ output: Buffer.from('ok').subarray(0, outputSize) }));
      await context.sendMessage(Buffer.from('hi'), { outputSize: 2 });
      await agent.detach();
      await context.sendMessage(Buffer.from('hi')).catch(() => {});
      await context.destroy();
      await umd.close();
      await device.close();
    })();`;

  it('logs requests, completions (with the NTSTATUS of a failure) and the agent\'s requests', async () => {
    const result = await run(process.execPath, ['-e', script], { env: { ...process.env, NODE_DEBUG: 'miracast-hil' } });
    expect(result.code).toBe(0);
    const lines = result.stderr.split(/\r?\n/).filter((line) => line.startsWith('MIRACAST-HIL'));
    const has = (pattern: RegExp) => expect(lines.some((line) => pattern.test(line)), String(pattern)).toBe(true);
    has(/: open \\\\\.\\MiracastHil$/);
    has(/: request #\d+ createContext$/);
    has(/: completion #\d+ createContext ok in [\d.]+ ms$/);
    has(/: agent request #\d+ attachAgent$/);
    has(/: agent request #\d+ receive$/);
    has(/: agent completion #\d+ reply ok in [\d.]+ ms$/);
    has(/: completion #\d+ sendMessage failed: STATUS_DEVICE_REMOVED in [\d.]+ ms$/);
    has(/: close \(\d+ in flight\)$/);
  });

  it('logs nothing without it', async () => {
    const env = { ...process.env };
    delete env.NODE_DEBUG;
    const result = await run(process.execPath, ['-e', script], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
