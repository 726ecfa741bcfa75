// The UMD host's API: bad input gets TypeError/RangeError before anything runs, failures are
// UmdErrors carrying the NTSTATUS, its name, the operation and a stable code; a driver call that
// never returns is reported instead of hanging the test; the rule table and the native host
// agree. Valid in both lanes.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NtStatus, NtStatusError, UmdError, openDevice, umdRules, umdTraceNames,
  type UmdHost,
} from '../dist/index.js';
import { root } from './helpers';
import { useUmdHosts, umdDll } from './umd-helpers';

const hosts = useUmdHosts();
let host: UmdHost | undefined;

describe('opening a host', () => {
  it.each([
    ['no options', undefined, TypeError],
    ['no dll', {}, TypeError],
    ['an empty dll', { dll: '' }, TypeError],
    ['a numeric device', { dll: 'x.dll', device: 5 }, TypeError],
    ['threads 0', { dll: 'x.dll', threads: 0 }, RangeError],
    ['threads 1.5', { dll: 'x.dll', threads: 1.5 }, RangeError],
    ['a string interval', { dll: 'x.dll', dataRateIntervalMs: '1000' }, TypeError],
    ['a call timeout below 100 ms', { dll: 'x.dll', callTimeoutMs: 5 }, RangeError],
  ])('%s: %o is refused with %o', async (_name, options, type) => {
    await expect(hosts.open(options as never)).rejects.toBeInstanceOf(type);
  });

  it('a DLL that does not exist: ERR_UMD_LOAD with STATUS_DLL_NOT_FOUND and the Win32 error', async () => {
    const error = await hosts.open({ dll: path.join(root, 'build', 'umd', 'no-such-driver.dll') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UmdError);
    expect(error).toBeInstanceOf(NtStatusError);
    expect(error).toMatchObject({ code: 'ERR_UMD_LOAD', status: NtStatus.STATUS_DLL_NOT_FOUND, statusName: 'STATUS_DLL_NOT_FOUND', operation: 'load', win32: 126 });
  });

  it('a DLL without QueryMiracastDriverInterface: ERR_UMD_NO_EXPORT, as the OS fails the device', async () => {
    const error = await hosts.open({ dll: 'ws2_32.dll' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_UMD_NO_EXPORT', status: NtStatus.STATUS_ENTRYPOINT_NOT_FOUND });
    expect((error as UmdError).findings!.map((f) => f.ruleId)).toEqual(['umd.load.export']);
  });

  it('a short MIRACAST_DRIVER_INTERFACE: ERR_UMD_INTERFACE, with the finding', async () => {
    const error = await hosts.open({ dll: umdDll('short_interface') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_UMD_INTERFACE', status: NtStatus.STATUS_INVALID_PARAMETER });
    expect((error as UmdError).findings!.map((f) => f.ruleId)).toEqual(['umd.load.interface']);
    expect((error as UmdError).message).toMatch(/load failed: STATUS_INVALID_PARAMETER .*findings/);
  });

  it('another agent attached: create fails with ERR_UMD_AGENT (STATUS_ALREADY_REGISTERED), nothing half made', async () => {
    const other = await openDevice();
    try {
      const agent = await other.attachAgent(() => ({}));
      host = await hosts.open({ dll: umdDll('sample') });
      await expect(host.start()).rejects.toMatchObject({ code: 'ERR_UMD_AGENT', status: NtStatus.STATUS_ALREADY_REGISTERED, step: 'agentAttach' });
      expect(host.state).toBe('loaded');
      expect((await hosts.watch.stats()).hostContexts).toBe(0);
      await agent.detach();
      // Once the agent is gone the same host runs a session.
      await host.start();
      await host.destroy();
    } finally {
      await other.close();
    }
  });
});

describe('a host in use', () => {
  it('refuses bad arguments before anything reaches the driver, and calls out of order', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    const h = host;
    expect(() => h.setDataRate(null as never)).toThrow(TypeError);
    expect(() => h.setDataRate({ encoderBitRate: -1 } as never)).toThrow(RangeError);
    expect(() => h.setDataRate({ encoderBitRate: '1' } as never)).toThrow(TypeError);
    expect(() => h.injectChunkReset(0)).toThrow(RangeError);
    expect(() => h.trace({ since: -1 })).toThrow(RangeError);
    await expect(h.start({ stats: { currentBitRate: -5 } })).rejects.toBeInstanceOf(RangeError);
    await expect(h.start({ sink: 5 as never })).rejects.toBeInstanceOf(TypeError);
    await expect(h.start({ acceptTimeoutMs: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(h.reportChunks({ frames: 0 })).rejects.toBeInstanceOf(RangeError);
    // Out of order: the state machine says no, with a code.
    await expect(h.stop()).rejects.toMatchObject({ code: 'ERR_UMD_STATE', status: NtStatus.STATUS_INVALID_DEVICE_STATE, operation: 'stop' });
    await h.create();
    await expect(h.create()).rejects.toMatchObject({ code: 'ERR_UMD_STATE' });
    await h.destroy();
    expect(h.findings()).toEqual([]);
  });

  it('a sink that never connects: ERR_UMD_ACCEPT (STATUS_IO_TIMEOUT), and the context stays usable', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    const h = host;
    await expect(h.start({ sink: (socket) => socket.destroy(), acceptTimeoutMs: 300 }))
      .rejects.toMatchObject({ code: 'ERR_UMD_ACCEPT', status: NtStatus.STATUS_IO_TIMEOUT, step: 'accept' });
    expect(h.state).toBe('created');
    await h.start();
    expect((await h.context!.sendMessage(Buffer.from('after'), { outputSize: 16 })).output.toString()).toBe('umd:after');
    await h.destroy();
    expect(h.findings()).toEqual([]);
  });

  it('a driver call that never returns in time is reported (umd.calls.return), not a hang of the test', async () => {
    host = await hosts.open({ dll: umdDll('slow_destroy'), callTimeoutMs: 1000 });
    await host.start();
    const error = await host.destroy().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_UMD_HANG', status: NtStatus.STATUS_IO_TIMEOUT, operation: 'destroy' });
    expect(host.wedged).toBe(true);
    expect(host.findings().map((f) => f.ruleId)).toContain('umd.calls.return');
    // The late Destroy still ends the kernel side, and once it has returned the host unloads and
    // closes as usual (afterEach: nothing left).
    await host.close();
  });

  it('after close every operation rejects with ERR_UMD_CLOSED', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    await host.close();
    await expect(host.start()).rejects.toMatchObject({ code: 'ERR_UMD_CLOSED' });
    expect(() => host!.injectChunkReset()).toThrow(UmdError);
    expect(host.state).toBe('disposed');
    await host.close();   // twice is fine
  });
});

describe('the rule table and the trace names', () => {
  it('the native host names exactly the rules of lib/umd/rules.ts', async () => {
    const { native } = await import('../dist/binding.js');
    expect([...native().UmdHost.ruleIds].sort()).toEqual(umdRules.map((r) => r.id).sort());
    for (const rule of umdRules) {
      expect(rule.text.length, rule.id).toBeGreaterThan(20);
      expect(['DOC', 'OBS', 'HIL'], rule.id).toContain(rule.source);
      expect(['both', 'windows', 'wine'], rule.id).toContain(rule.lane);
    }
  });

  it('the OS event ids carry the OS names (DxgKrnl ETW 13100-13104, 13150-13154)', () => {
    expect([13100, 13101, 13102, 13103, 13104].map((id) => umdTraceNames[id])).toEqual([
      'MiracastUmdDriverCreateMiracastContext', 'MiracastUmdDriverDestroyMiracastContext', 'MiracastUmdDriverStartMiracastSession',
      'MiracastUmdDriverStopMiracastSession', 'MiracastUmdDriverHandleKernelModeMessage',
    ]);
    expect([13150, 13151, 13152, 13153, 13154].map((id) => umdTraceNames[id])).toEqual([
      'MiracastUmdDriverCbReportSessionStatus', 'MiracastUmdDriverCbMiracastIoControl', 'MiracastUmdDriverCbReportStatistic',
      'MiracastUmdDriverCbGetNextChunkData', 'MiracastUmdDriverCbRegisterForDataRateNotifications',
    ]);
  });
});
