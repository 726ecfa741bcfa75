// The command line (dist/cli/main.js), run as users run it: a separate Node process (inside the
// lane, the Windows Node under the same Wine server), its stdout, stderr and exit code read.
// Valid in both lanes; where a check differs (Wine has no code integrity, no display adapters),
// the test says which lane it expects.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contract, driverStatsFields, faultKindNames, type MiracastDevice, type TraceEvent } from '../dist/index.js';
import { lane, root, run, useDevice } from './helpers';

const cli = path.join(root, 'dist', 'cli', 'main.js');
const miracastHil = (...args: string[]) => run(process.execPath, [cli, ...args], { timeoutMs: 60_000 });

let device: MiracastDevice;
useDevice((d) => (device = d));

describe('miracast-hil --help', () => {
  const commands = ['doctor', 'driver', 'caps', 'stats', 'trace', 'send', 'fault', 'stress'];

  it('lists every command and exits 0', async () => {
    const result = await miracastHil('--help');
    expect(result.code).toBe(0);
    for (const name of commands) expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it.each(commands)('%s --help prints its usage and exits 0', async (name) => {
    const result = await miracastHil(name, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`usage: miracast-hil ${name}`);
    expect(result.stdout).toContain('Exit code');
  });

  it('an unknown command or option could not run: exit 2, with the usage on stderr', async () => {
    const unknown = await miracastHil('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command frobnicate');
    const badOption = await miracastHil('caps', '--bogus');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('usage: miracast-hil caps');
    expect(badOption.stdout).toBe('');
  });
});

describe('miracast-hil doctor', () => {
  it('--json: addon, service, device and contract ok; exit 0', async () => {
    const result = await miracastHil('doctor', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { id: string; status: string; detail: string; value?: any }[] };
    const check = (id: string) => report.checks.find((c) => c.id === id)!;
    expect(report.ok).toBe(true);
    expect(check('addon')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/miracast-hil\.napi\.node$/) });
    expect(check('service')).toMatchObject({ status: 'ok', value: { service: 'MiracastHil', state: 'running' } });
    expect(check('device')).toMatchObject({ status: 'ok' });
    const driverInfo = await device.info();
    expect(check('contract')).toMatchObject({ status: 'ok', value: { driver: driverInfo.contractVersion } });
    expect(check('platform').value).toMatchObject({ platform: 'win32', arch: process.arch, node: process.version });
    if (lane === 'wine') {
      expect(check('platform').value.wine).toMatch(/^\d+\.\d+/);
      for (const id of ['testSigning', 'adapters', 'graphicsDrivers']) {
        expect(check(id), id).toMatchObject({ status: 'unknown', detail: expect.stringContaining('unknown under Wine') });
      }
    } else {
      expect(check('platform').value.wine).toBeNull();
      for (const id of ['elevated', 'testSigning', 'adapters', 'graphicsDrivers']) {
        expect(['ok', 'warn', 'unknown'], id).toContain(check(id).status);
      }
    }
  });

  it('prints one line per check and a hint where one is not ok', async () => {
    const result = await miracastHil('doctor');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok +service +MiracastHil: running/m);
    expect(result.stdout).toMatch(/^ok +contract +driver \d+\.\d+, library \d+\.\d+/m);
  });
});

describe('miracast-hil driver status', () => {
  it('says running, exit 0; --json gives the state and the image', async () => {
    const text = await miracastHil('driver', 'status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^MiracastHil: running/);
    const json = await miracastHil('driver', 'status', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ service: 'MiracastHil', state: 'running', binaryPath: expect.stringMatching(/MiracastHil\.sys$/i) });
  });

  it('a verb it does not know could not run: exit 2', async () => {
    const result = await miracastHil('driver', 'restart');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown verb: restart');
  });
});

describe('miracast-hil caps, stats', () => {
  it('caps --json is what the library reads', async () => {
    const result = await miracastHil('caps', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ caps: await device.queryCaps(), driver: await device.info() });
  });

  it('stats --json has every counter', async () => {
    const result = await miracastHil('stats', '--json');
    expect(result.code).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout))).toEqual(driverStatsFields);
  });
});

describe('miracast-hil trace', () => {
  it('--json --since MARK reads the events that followed the mark', async () => {
    const mark = await device.traceMark();
    await device.queryCaps();
    const result = await miracastHil('trace', '--since', String(mark), '--json');
    expect(result.code).toBe(0);
    const read = JSON.parse(result.stdout) as { events: TraceEvent[]; nextSequence: number; lost: number };
    expect(read.lost).toBe(0);
    expect(read.events[0].sequence).toBe(mark);
    expect(read.events.slice(0, 2).map((e) => `${e.kind} ${'ddi' in e ? e.ddi : ''} ${e.statusName}`)).toEqual([
      'ddiEnter queryCaps STATUS_SUCCESS', 'ddiExit queryCaps STATUS_SUCCESS',
    ]);
    expect(read.nextSequence).toBe(read.events[read.events.length - 1].sequence + 1);
  });

  it('--follow --json prints each new event as one JSON line', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [cli, 'trace', '--follow', '--json', '--interval', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      // Until the follower has taken its mark, a queryCaps may fall before it: repeat until one shows.
      const deadline = Date.now() + 30_000;
      // A pipe read may end mid-line (and a ddiEnter may be out before its ddiExit): parse only
      // whole lines, until the ddiExit of a queryCaps is among them.
      const wholeLines = (): TraceEvent[] => stdout.includes('\n')
        ? stdout.slice(0, stdout.lastIndexOf('\n')).split('\n').map((line) => JSON.parse(line) as TraceEvent) : [];
      const followed = (): boolean => wholeLines().some((e) => e.kind === 'ddiExit' && 'ddi' in e && e.ddi === 'queryCaps');
      while (!followed()) {
        if (Date.now() > deadline) throw new Error(`no queryCaps event followed; output: ${stdout}`);
        await device.queryCaps();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const lines = wholeLines();
      for (let i = 1; i < lines.length; i++) expect(lines[i].sequence).toBe(lines[i - 1].sequence + 1);
    } finally {
      child.kill();
    }
  });
});

describe('miracast-hil send, fault', () => {
  it('send --responder: the callback result, exit 0; the responder is off again afterwards', async () => {
    const result = await miracastHil('send', 'hello', '--responder', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ sent: 1, failed: 0, results: [{ status: 0, information: 5, output: Buffer.from('hello').toString('hex') }] });
    const alone = await miracastHil('send', 'hello');
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('STATUS_DEVICE_REMOVED');
  });

  it('fault arms a fault in the driver that outlives the command; fault reset disarms it', async () => {
    const armed = await miracastHil('fault', 'callbackStatus', '--count', '2', '--status', '0xC0000001');
    expect(armed.code).toBe(0);
    const failing = await miracastHil('send', 'x', '--responder', '--json');
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout).results[0].status).toBe(0xc0000001);
    expect((await miracastHil('fault', 'reset')).code).toBe(0);
    expect((await miracastHil('send', 'x', '--responder')).code).toBe(0);
  });

  it.each([
    ['an unknown kind', ['fault', 'gremlins', '--count', '1'], 'unknown fault kind gremlins'],
    ['a kind without its status', ['fault', 'sendFail', '--count', '1'], 'fault.status'],
    ['a fault without a scope', ['fault', 'lockBypass'], 'must be scoped'],
    ['a count that is not a number', ['fault', 'lockBypass', '--count', 'many'], '--count must be an integer'],
  ])('fault with %s could not run: exit 2', async (_what, args, message) => {
    const result = await miracastHil(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('fault list names every kind the library knows', async () => {
    const result = await miracastHil('fault', 'list', '--json');
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout) as { kind: string; description: string }[];
    expect(listed.map((k) => k.kind)).toEqual(Object.keys(faultKindNames));
    for (const k of listed) expect(k.description, k.kind).toBe(contract.faultDescriptions[faultKindNames[k.kind as keyof typeof faultKindNames]]);
  });
});
