// The sample UMD's broken variants: each is flagged by the host for its own rule and nothing
// else, the sample for nothing; after each, no thread, handle or kernel allocation is left.
// Valid in both lanes. (Chunk-path versions of the chunk rules are in umd-chunks.test.ts.)
import { describe, expect, it } from 'vitest';
import { NtStatus, type UmdHost } from '../dist/index.js';
import { waitFor } from './helpers';
import { useUmdHosts, umdDll, type UmdVariant } from './umd-helpers';

const hosts = useUmdHosts();
let host: UmdHost | undefined;

interface Case {
  variant: UmdVariant;
  /** The rules the host must flag, and no others. */
  rules: string[];
  /** What the OS (or the test) does while the session runs. */
  during?: (host: UmdHost) => unknown;
}

const cases: Case[] = [
  { variant: 'sample', rules: [] },
  { variant: 'slow_destroy', rules: ['umd.destroy.within3s'] },
  { variant: 'thread_left', rules: ['umd.destroy.noThreadsLeft'] },
  { variant: 'closes_rtsp', rules: ['umd.rtsp.notClosedByDriver'] },
  { variant: 'concurrent_chunks', rules: ['umd.chunks.oneThreadAtATime'] },
  { variant: 'datarate_wrong_thread', rules: ['umd.datarate.startOrStopThread'] },
  { variant: 'monitor_in_start', rules: ['umd.monitor.afterStartReturns'] },
  { variant: 'ignores_reset', rules: ['umd.chunks.iframeAfterReset'], during: (h) => h.injectChunkReset(1) },
  { variant: 'session_info_garbage', rules: ['umd.start.sessionInfoReserved'] },
  { variant: 'overlong_reply', rules: ['umd.message.bytesReturned'], during: (h) => h.context!.sendMessage(Buffer.from('x'), { outputSize: 8 }) },
  { variant: 'callback_after_destroy', rules: ['umd.callbacks.contextLifetime'] },
  { variant: 'pins_itself', rules: ['umd.destroy.unloadable'] },
];

describe('each broken variant is flagged for its own rule', () => {
  it.each(cases)('$variant: flagged for [$rules]', async ({ variant, rules, during }) => {
    host = await hosts.open({ dll: umdDll(variant) });
    await host.start();
    await during?.(host);
    // Let the session run until what each driver does in it has happened: the sample's and every
    // variant's chunk reader has called GetNextChunkData twice more after the fault (if any),
    // and a finding expected during the session has been raised.
    const calls = () => host!.trace().events.filter((e) => e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.phase === 'stop').length;
    const base = calls();
    await waitFor(async () => calls(), (n) => n >= base + 2, 10_000, 'GetNextChunkData calls');
    const afterSession = ['umd.destroy.within3s', 'umd.destroy.noThreadsLeft', 'umd.destroy.unloadable', 'umd.rtsp.notClosedByDriver',
      'umd.callbacks.contextLifetime'];
    const duringSession = rules.filter((r) => !afterSession.includes(r));
    await waitFor(async () => host!.findings().map((f) => f.ruleId), (ids) => duringSession.every((r) => ids.includes(r)), 10_000,
      `findings ${duringSession.join(', ')}`);
    const result = await host.destroy();
    const found = [...new Set(host.findings().map((f) => f.ruleId))].sort();
    expect(found).toEqual([...rules].sort());
    for (const finding of host.findings()) {
      expect(finding.rule.length, finding.ruleId).toBeGreaterThan(10);
      expect(finding.evidence.length, finding.ruleId).toBeGreaterThan(10);
    }
    // Whatever the driver did, the host unloaded it and left nothing running.
    expect(host.state).toBe('unloaded');
    expect(host.wedged).toBe(false);
    if (variant === 'slow_destroy') expect(result.destroyMs).toBeGreaterThanOrEqual(3000);
    if (variant === 'thread_left') expect(result.threadsLeft).toBeGreaterThanOrEqual(1);
    else expect(result.threadsLeft).toBe(0);
  });
});

describe('what the sample does where a variant breaks a rule', () => {
  it('asks for a new I-frame (a MiracastIoControl) after STATUS_CONNECTION_RESET, before reading again', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    await host.start();
    const mark = host.traceMark();
    host.injectChunkReset(1);
    const chunkStops = () => host!.trace({ since: mark }).events.filter((e) => e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.phase === 'stop');
    await waitFor(async () => chunkStops(), (stops) => stops.length >= 2 && stops.some((e) => e.status === NtStatus.STATUS_CONNECTION_RESET),
      10_000, 'a reset and the next read');
    await host.destroy();
    const events = host.trace({ since: mark }).events;
    const reset = events.findIndex((e) => e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.status === NtStatus.STATUS_CONNECTION_RESET);
    const next = events.findIndex((e, i) => i > reset && e.name === 'MiracastUmdDriverCbGetNextChunkData' && e.phase === 'start');
    const between = events.slice(reset, next).filter((e) => e.name === 'MiracastUmdDriverCbMiracastIoControl');
    expect(between.length).toBeGreaterThan(0);
    expect(host.findings()).toEqual([]);
  });

  it('registers for data-rate notifications on the Start thread, unregisters on the Stop thread', async () => {
    host = await hosts.open({ dll: umdDll('sample') });
    await host.start();
    await host.destroy();
    const events = host.trace().events;
    const thread = (name: string) => events.find((e) => e.name === `MiracastUmdDriver${name}` && e.phase === 'start')!.threadId;
    const registrations = events.filter((e) => e.name === 'MiracastUmdDriverCbRegisterForDataRateNotifications' && e.phase === 'start');
    expect(registrations.map((e) => e.threadId)).toEqual([thread('StartMiracastSession'), thread('StopMiracastSession')]);
    expect(host.findings()).toEqual([]);
  });
});
