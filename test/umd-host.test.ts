// The UMD host driving the sample UMD through whole sessions, as the OS does: load, kernel
// CreateContext, the UMD's Create and Start with a scripted sink on a real loopback socket,
// messages both ways through the real kernel driver, data-rate notifications, Stop, Destroy,
// kernel DestroyContext, unload. Valid in both lanes (the sample needs only Winsock and the harness).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  NtStatus, contract, umdTraceNames, UmdError, mergeTimeline,
  type UmdHost, type UmdTraceEvent,
} from '../dist/index.js';
import { fixture, run, waitFor } from './helpers';
import { useUmdHosts, umdDll } from './umd-helpers';

const hosts = useUmdHosts();
let host: UmdHost | undefined;

const named = (events: UmdTraceEvent[], name: string, phase?: string) =>
  events.filter((e) => e.name === `MiracastUmdDriver${name}` && (phase === undefined || e.phase === phase));

describe('a whole session with the sample UMD', () => {
  it('runs Create, Start, messages, Stop and Destroy in the OS order, with nothing found and nothing left', async () => {
    host = await hosts.open({ dll: umdDll('sample'), dataRateIntervalMs: 100 });
    const states: string[] = [];
    host.on('state', (state: string) => states.push(state));
    host.setDataRate({
      encoderBitRate: 8_000_000, currentMaxTxDataRate: 54_000_000, transmittedFrameCount: 120, failedFrameCount: 1,
      retriedFrameCount: 3, multipleRetryFrameCount: 2,
    });
    const dataRate: Record<string, unknown>[] = [];
    host.on('dataRate', (event: Record<string, unknown>) => dataRate.push(event));

    const session = await host.start({ stats: { currentBitRate: 20_000_000 } });
    // The sink's side of the RTSP exchange: the sample asked M1 and M3 and saw the monitor.
    expect(session.wfdSink!.requests.map((r) => r.method)).toEqual(['OPTIONS', 'GET_PARAMETER']);
    expect(session.wfdSink!.requests[1].body).toContain('wfd_display_edid');
    expect(session.sessionInfo).toMatchObject({ monitorConnected: true, reducedModeListDueToBandwidth: false, reserved: 0 });

    // The sample's worker announced the monitor through MiracastIoControl -> the test miniport.
    await waitFor(() => host!.context!.miniport.readState(), (s) => s.monitorConnected === 1, 5000, 'the monitor arrival');

    // Kernel -> UMD: 40 concurrent messages through the driver to HandleKernelModeMessage.
    const before = host.counters().messagesHandled;
    const inputs = Array.from({ length: 40 }, (_, i) => `message ${i}`);
    const replies = await Promise.all(inputs.map((text) => host!.context!.sendMessage(Buffer.from(text), { outputSize: 64 })));
    for (const [i, reply] of replies.entries()) {
      expect(reply.status, inputs[i]).toBe(NtStatus.STATUS_SUCCESS);
      expect(reply.output.toString(), inputs[i]).toBe(`umd:${inputs[i]}`);
    }
    expect(host.counters().messagesHandled - before).toBe(40);

    // Data rate: the scripted stats reach the UMD's callback about once per interval.
    await waitFor(async () => dataRate.filter((e) => e.what === 'notified').length, (n) => n >= 2, 10_000, 'two data-rate notifications');
    expect(dataRate[0]).toEqual({ what: 'registered' });
    expect(dataRate.find((e) => e.what === 'notified')).toMatchObject({ encoderBitRate: 8_000_000, failedFrameCount: 1 });

    const result = await host.destroy();
    expect(result.threadsLeft).toBe(0);
    expect(result.destroyMs).toBeLessThan(3000);
    // The notifications end with the session: NULL once, then the sample unregisters in Stop.
    expect(dataRate.slice(-2)).toEqual([{ what: 'ended' }, { what: 'unregistered' }]);
    expect(host.findings()).toEqual([]);
    expect(host.state).toBe('unloaded');
    expect(states).toEqual(['creating', 'created', 'startPending', 'started', 'stopPending', 'stopped', 'destroying', 'unloaded']);

    // The trace: the OS's order, each entry point bracketed, the ids DxgKrnl uses.
    const events = host.trace().events;
    const order = events.filter((e) => e.id >= 13100 && e.id <= 13103 && e.phase === 'start').map((e) => e.name);
    expect(order).toEqual([
      'MiracastUmdDriverCreateMiracastContext', 'MiracastUmdDriverStartMiracastSession',
      'MiracastUmdDriverStopMiracastSession', 'MiracastUmdDriverDestroyMiracastContext',
    ]);
    expect(named(events, 'HandleKernelModeMessage', 'stop').length).toBeGreaterThanOrEqual(40);
    for (const e of events) expect(umdTraceNames[e.id], `event id ${e.id}`).toBe(e.name);
  });

  it('holds MiracastIoControl from other threads until Start returns, and takes it from the Start thread', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    await host.start();
    await waitFor(async () => named(host!.trace().events, 'CbMiracastIoControl', 'stop').length, (n) => n >= 2, 5000, 'the announcement');
    await host.destroy();
    const events = host.trace().events;
    const start = named(events, 'StartMiracastSession', 'start')[0];
    const startStop = named(events, 'StartMiracastSession', 'stop')[0];
    const fromOthers = named(events, 'CbMiracastIoControl', 'stop').filter((e) => e.threadId !== start.threadId && e.sequence > start.sequence);
    expect(fromOthers.length).toBeGreaterThan(0);
    for (const e of fromOthers) expect(e.sequence, 'an IoControl of another thread ended before Start returned').toBeGreaterThan(startStop.sequence);
    expect(host.findings()).toEqual([]);
  });

  it('holds messages sent before Start returns and delivers them after; drops those sent after Stop', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    await host.create();
    const early = host.context!.sendMessage(Buffer.from('early'), { outputSize: 32 });
    await waitFor(() => hosts.watch.stats(), (s) => s.messagesHeld === 1, 5000, 'the held message');
    expect(host.counters().messagesHandled).toBe(0);
    await host.start();
    expect((await early).output.toString()).toBe('umd:early');
    await host.stop();
    const late = await host.context!.sendMessage(Buffer.from('late'), { outputSize: 32 });
    expect(late.status).toBe(contract.statuses.SESSION_DROPPED);
    expect(host.counters().messagesHandled).toBe(1);
    await host.destroy();
    expect(host.findings()).toEqual([]);
  });

  it('a low bit rate: Start fails with STATUS_DEVICE_INSUFFICIENT_RESOURCES and the host destroys the context', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    const error = await host.start({ stats: { currentBitRate: 500_000 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UmdError);
    expect(error).toMatchObject({ code: 'ERR_UMD_START', status: NtStatus.STATUS_DEVICE_INSUFFICIENT_RESOURCES, step: 'StartMiracastSession' });
    expect(host.state).toBe('unloaded');
    expect(host.context).toBeUndefined();
    expect(named(host.trace().events, 'DestroyMiracastContext', 'stop')).toHaveLength(1);
    // A later session loads the DLL again, as the OS does per session; a mid rate trims the modes.
    const session = await host.start({ stats: { currentBitRate: 5_000_000 } });
    expect(session.sessionInfo).toMatchObject({ monitorConnected: true, reducedModeListDueToBandwidth: true });
    await host.destroy();
  });

  it('a sink without a monitor: MonitorConnected clear, and no arrival announced', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    const mark = await hosts.watch.traceMark();
    const session = await host.start({ sink: { edid: null } });
    expect(session.sessionInfo.monitorConnected).toBe(false);
    await host.context!.sendMessage(Buffer.from('settle'), { outputSize: 16 });
    const contextId = session.contextId;
    await host.destroy();
    const arrivals = (await hosts.watch.trace({ since: mark })).events.filter((e) => e.kind === 'hpd' && e.connected && e.contextId === contextId);
    expect(arrivals).toHaveLength(0);
  });

  it('a session status report tears the session down: Stop, then Destroy, as the OS does', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    const session = await host.start();
    const reported = new Promise((resolve) => host!.once('sessionStatus', resolve));
    const torn = new Promise((resolve) => host!.once('teardown', resolve));
    session.wfdSink!.teardown();      // the sink ends the session (RTSP TEARDOWN)
    expect(await reported).toMatchObject({ reasonName: 'SINK_DISOCNNECT_REQUEST', statusName: 'STATUS_CONNECTION_DISCONNECTED' });
    await torn;
    expect(host.state).toBe('unloaded');
    expect(host.context).toBeUndefined();
    const order = host.trace().events.filter((e) => e.id >= 13100 && e.phase === 'start').map((e) => e.name.replace('MiracastUmdDriver', ''));
    expect(order.slice(order.indexOf('CbReportSessionStatus'))).toEqual(
      expect.arrayContaining(['CbReportSessionStatus', 'StopMiracastSession', 'DestroyMiracastContext']));
    expect(order.indexOf('StopMiracastSession')).toBeLessThan(order.indexOf('DestroyMiracastContext'));
    expect(host.findings()).toEqual([]);
  });

  it('the UMD trace merges with the kernel trace on one clock', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    const mark = await hosts.watch.traceMark();
    await host.start();
    await host.context!.sendMessage(Buffer.from('merge'), { outputSize: 16 });
    await host.destroy();
    const kernel = (await hosts.watch.trace({ since: mark })).events;


    const timeline = mergeTimeline(kernel, host.trace().events, host.clock.unit100ns);
    const at = (name: string) => timeline.findIndex((entry) => entry.name.startsWith(name));
    // Kernel CreateContext before the UMD's Create; the UMD's Destroy before kernel DestroyContext.
    expect(at('DxgkDdiMiracastCreateContext')).toBeGreaterThanOrEqual(0);
    expect(at('DxgkDdiMiracastCreateContext')).toBeLessThan(at('MiracastUmdDriverCreateMiracastContext'));
    expect(at('MiracastUmdDriverDestroyMiracastContext stop')).toBeLessThan(at('DxgkDdiMiracastDestroyContext'));
    // Both clocks are the same one: every kernel event of the session lies within the host's span.
    const umdTimes = host.trace().events.map((e) => e.time);
    for (const e of kernel) {
      expect(e.time).toBeGreaterThanOrEqual(Math.min(...umdTimes) - 20 * (10_000 / host.clock.unit100ns));
      expect(e.time).toBeLessThanOrEqual(Math.max(...umdTimes) + 20 * (10_000 / host.clock.unit100ns));
    }
  });
});

describe('the host at environment teardown', () => {
  it('a worker terminated with a live session: the cleanup hook stops, destroys and unloads; nothing is left', async () => {
    const worker = new Worker(fixture('umd-worker.mjs'), { workerData: { dll: umdDll('sample') } });
    const exit = new Promise<number>((resolve) => worker.once('exit', resolve));
    const message = await new Promise<{ contextId: number; reply: string; state: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(message).toMatchObject({ reply: 'umd:from a worker', state: 'started' });
    expect((await hosts.watch.stats()).hostContexts).toBe(1);
    await worker.terminate();
    await exit;
    // afterEach: the kernel context destroyed, the agent detached, the host's handle closed.
  });
});

describe('the host keeps its process alive while it works', () => {
  it('a teardown the driver asked for completes even when nothing else holds the process', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [fixture('umd-teardown-process.mjs'), umdDll('sample')], { timeoutMs: 60_000 });
    expect({ code, stdout: stdout.trim() }, stderr).toEqual({ code: 0, stdout: 'torn down: unloaded' });
  });
});
