// The package as a user gets it: packed (npm pack, its prepack guard included) and installed into
// a new project, build/pack/app: by scripts/build.sh in the Wine lane (npm --os=win32 --cpu=x64),
// by this file with the machine's npm in the Windows lane. From there: what it ships, the README's
// first example run as written (by node.exe and by a renamed copy of it, as Electron or a
// single-executable app load addons), the package loaded by the renamed copy, and the CLI. Valid in both lanes; under Wine only the x64 addon can be loaded (arm64 is built and
// tested on Windows CI).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { lane, root, run } from './helpers';

const app = path.join(root, 'build', 'pack', 'app');
const installed = path.join(app, 'node_modules', 'miracast-hil');
// A copy of this Node under another name, in a folder without a node.exe.
const renamed = path.join(root, 'build', 'pack', 'renamed', 'rig-host.exe');

beforeAll(() => {
  fs.mkdirSync(path.dirname(renamed), { recursive: true });
  fs.copyFileSync(process.execPath, renamed);
});

beforeAll(async () => {
  if (fs.existsSync(path.join(installed, 'package.json'))) return;
  if (lane === 'wine') throw new Error('build/pack/app has no installed miracast-hil: scripts/build.sh packs and installs it');
  // Windows lane (not yet run there): pack and install with this machine's npm, as a user would.
  fs.mkdirSync(app, { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "miracast-hil-app", "version": "1.0.0", "private": true, "type": "module" }\n');
  const npm = (cwd: string, args: string[]) => runIn(cwd, process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', `npm ${args.join(' ')}`]);
  const packed = await npm(root, ['pack', '--pack-destination', path.dirname(app)]);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const tarball = path.join(path.dirname(app), packed.stdout.trim().split(/\r?\n/).pop()!);
  const install = await npm(app, ['install', '--no-audit', '--no-fund', tarball]);
  if (install.code !== 0) throw new Error(`npm install failed: ${install.stderr}`);
}, 600_000);

/** Runs a program with `cwd` as its working directory (where `miracast-hil` resolves from). */
function runIn(cwd: string, file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }));
  });
}

/** The README's first TypeScript block. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(installed, 'README.md'), 'utf8');
  const match = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('the README has no Example section with a ts block');
  return match[1];
}

describe('the packed package', () => {
  it('ships the library, the CLI, the prebuilt x64 addon, the sources for a source build, the docs and LICENSE', () => {
    for (const file of [
      'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/cli/main.js',
      'prebuilds/win32-x64/miracast-hil.napi.node', 'binding.gyp', 'CMakeLists.txt', 'native/sources.json',
      'scripts/install-addon.cjs', 'driver/include/miracast_hil_ioctl.h', 'driver/inf/MiracastHil.inf',
      'LICENSE', 'README.md', 'CHANGELOG.md',
    ]) {
      expect(fs.existsSync(path.join(installed, file)), file).toBe(true);
    }
    for (const source of JSON.parse(fs.readFileSync(path.join(installed, 'native', 'sources.json'), 'utf8')) as string[]) {
      expect(fs.existsSync(path.join(installed, source)), source).toBe(true);
    }
    expect(fs.existsSync(path.join(installed, 'test')), 'the tests stay out').toBe(false);
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ os: ['win32'], cpu: ['x64', 'arm64'], bin: { 'miracast-hil': 'dist/cli/main.js' }, license: 'MIT' });
    expect(pkg.repository.url).toMatch(/^git\+https:\/\//);
  });

  it('every relative link in the README points at a file the package ships', () => {
    const readme = fs.readFileSync(path.join(installed, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(((?!https?:|#)[^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(fs.existsSync(path.join(installed, link)), link).toBe(true);
  });

  it('its install script finds the prebuilt, and refuses a platform it cannot run on with a reason', async () => {
    const script = path.join(installed, 'scripts', 'install-addon.cjs');
    const asDependency = { ...process.env, INIT_CWD: app };
    const fits = await run(process.execPath, [script], { env: { ...asDependency, npm_config_os: 'win32', npm_config_cpu: 'x64' } });
    expect(fits).toMatchObject({ code: 0, stderr: '' });
    const linux = await run(process.execPath, [script], { env: { ...asDependency, npm_config_os: 'linux', npm_config_cpu: 'x64' } });
    expect(linux.code).toBe(1);
    expect(linux.stderr).toContain('there is no addon for linux-x64: miracast-hil drives a Windows kernel driver');
  });
});

describe('the prepack guard (scripts/prepack-check.cjs)', () => {
  const scratch = path.join(root, 'build', 'test-prepack');

  it('refuses to pack without dist/ and the prebuilt addon, naming each, and passes with them', async () => {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(path.join(scratch, 'scripts'), { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(scratch, 'package.json'));
    fs.copyFileSync(path.join(root, 'scripts', 'prepack-check.cjs'), path.join(scratch, 'scripts', 'prepack-check.cjs'));
    const guard = () => run(process.execPath, [path.join(scratch, 'scripts', 'prepack-check.cjs')]);
    const bare = await guard();
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('refusing to pack');
    expect(bare.stderr).toContain('./dist/index.js is missing');
    expect(bare.stderr).toContain('prebuilds/win32-x64/*.node is missing');
    fs.cpSync(path.join(root, 'dist'), path.join(scratch, 'dist'), { recursive: true });
    const noAddon = await guard();
    expect(noAddon.code).toBe(1);
    expect(noAddon.stderr).not.toContain('dist/index.js is missing');
    expect(noAddon.stderr).toContain('prebuilds/win32-x64/*.node is missing');
    fs.cpSync(path.join(root, 'prebuilds', 'win32-x64'), path.join(scratch, 'prebuilds', 'win32-x64'), { recursive: true });
    const complete = await guard();
    expect(complete.code).toBe(0);
    expect(complete.stderr).toContain('this package ships x64 only');
  });
});

describe('the README example', () => {
  it('type-checks against the installed package', () => {
    const file = path.join(app, 'readme-example.ts');
    fs.writeFileSync(file, readmeExample());
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'], strict: true, noEmit: true, skipLibCheck: true,
      types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });

  it.each([
    ['node.exe', () => process.execPath],
    ['a renamed node.exe', () => renamed],
  ])('runs as written against the driver in %s, printing what its comments say and no warning', async (_host, host) => {
    const { outputText } = ts.transpileModule(readmeExample(), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const file = path.join(app, 'readme-example.mjs');
    fs.writeFileSync(file, outputText);
    const result = await run(host(), [file], { env: { ...process.env, NODE_DEBUG: '' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split(/\r?\n/);
    expect(lines[0]).toBe('true 0 13 ack low power');
    expect(lines[1]).toBe('1 send deliver fault callback');
    expect(lines[2]).toBe('STATUS_DEVICE_REMOVED sendMessage');
  });
});

describe('a renamed node.exe (as Electron or a single-executable app loads addons)', () => {
  const probe = `const device = await m.openDevice(); const caps = await device.queryCaps(); await device.close(); console.log(JSON.stringify(caps));`;

  it('loads the package with require()', async () => {
    const result = await runIn(app, renamed, ['-e', `(async () => { const m = require('miracast-hil'); ${probe} })()`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ hdcpSupport: true });
  });

  it('loads the package with import', async () => {
    const result = await runIn(app, renamed, ['--input-type=module', '-e', `const m = await import('miracast-hil'); ${probe}`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ hdcpSupport: true });
  });
});

describe('the installed CLI', () => {
  it('doctor --json finds the installed addon and the driver', async () => {
    const result = await run(process.execPath, [path.join(installed, 'dist', 'cli', 'main.js'), 'doctor', '--json']);
    expect(result.code).toBe(0);
    const checks = JSON.parse(result.stdout).checks as { id: string; status: string; detail: string }[];
    expect(checks.find((c) => c.id === 'addon')?.detail).toBe(path.join(installed, 'prebuilds', 'win32-x64', 'miracast-hil.napi.node'));
    expect(checks.find((c) => c.id === 'device')?.status).toBe('ok');
  });
});
