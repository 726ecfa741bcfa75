// The UMD rules: what the UMD host checks of a user-mode Miracast driver, in the shape the
// conformance runner consumes (stable id, rule text, source, lane). The native host names a rule
// by its id in each finding; test/umd-rules.test.ts checks that both lists agree.

/** DOC: Microsoft documentation; OBS: observed Windows behaviour; HIL: this project's choice where the documentation is silent. */
export type UmdRuleSource = 'DOC' | 'OBS' | 'HIL';
/** Where the check is valid: both lanes, or only one. */
export type UmdRuleLane = 'both' | 'windows' | 'wine';

export interface UmdRule {
  /** Stable id (findings, reports and JUnit case names use it). */
  readonly id: string;
  /** The rule, as the report states it. */
  readonly text: string;
  readonly source: UmdRuleSource;
  /** Where the rule comes from (reference notes, section). */
  readonly reference: string;
  readonly lane: UmdRuleLane;
  /** What the check needs beyond the host: the harness driver's chunk path (READ_CHUNKS). */
  readonly needs?: 'chunks';
}

export const umdRules: readonly UmdRule[] = [
  {
    id: 'umd.load.export',
    text: 'The DLL exports QueryMiracastDriverInterface; without it the OS fails the Miracast display device.',
    source: 'DOC', reference: 'miracast-ddi.md 4.1', lane: 'both',
  },
  {
    id: 'umd.load.interface',
    text: 'QueryMiracastDriverInterface(version 1) succeeds and fills a MIRACAST_DRIVER_INTERFACE of at least 48 bytes with all five entry points.',
    source: 'HIL', reference: 'umd-host.md 5.1 (the OS\'s own checks are unconfirmed)', lane: 'both',
  },
  {
    id: 'umd.destroy.within3s',
    text: 'DestroyMiracastContext returns within 3 seconds.',
    source: 'DOC', reference: 'miracast-ddi.md 4.2', lane: 'both',
  },
  {
    id: 'umd.destroy.noThreadsLeft',
    text: 'No thread of the driver still runs when DestroyMiracastContext returns: the OS unloads the DLL next.',
    source: 'DOC', reference: 'miracast-ddi.md 4.2', lane: 'both',
  },
  {
    id: 'umd.destroy.unloadable',
    text: 'After DestroyMiracastContext the DLL unloads: it keeps no reference to itself.',
    source: 'DOC', reference: 'miracast-ddi.md 4.2 ("the OS unloads the driver")', lane: 'both',
  },
  {
    id: 'umd.rtsp.notClosedByDriver',
    text: 'The driver never closes the RTSP socket it was given; the OS closes it at Stop.',
    source: 'DOC', reference: 'miracast-ddi.md 4.2 (StartMiracastSession, StopMiracastSession)', lane: 'both',
  },
  {
    id: 'umd.chunks.oneThreadAtATime',
    text: 'GetNextChunkData is called from one thread at a time.',
    source: 'DOC', reference: 'umd-host.md 2.4', lane: 'both',
  },
  {
    id: 'umd.chunks.iframeAfterReset',
    text: 'After GetNextChunkData returns STATUS_CONNECTION_RESET the driver asks its miniport for a new I-frame (a MiracastIoControl) before it reads chunks again.',
    source: 'HIL', reference: 'umd-host.md 2.4 ("the driver should generate a new I-Frame"); observed as a MiracastIoControl, whose payload is private', lane: 'both',
  },
  {
    id: 'umd.stats.chunkSentKnown',
    text: 'Each CHUNK_SENT statistic names a chunk that GetNextChunkData returned.',
    source: 'HIL', reference: 'umd-host.md 2.3 (CHUNK_SENT just before sending)', lane: 'both', needs: 'chunks',
  },
  {
    id: 'umd.datarate.startOrStopThread',
    text: 'RegisterForDataRateNotifications is called only from the thread running StartMiracastSession or StopMiracastSession (elsewhere it fails with STATUS_NOT_SUPPORTED).',
    source: 'DOC', reference: 'umd-host.md 2.5', lane: 'both',
  },
  {
    id: 'umd.monitor.afterStartReturns',
    text: 'The driver announces the monitor to its miniport only after StartMiracastSession has returned.',
    source: 'DOC', reference: 'miracast-ddi.md 4.2 (2018 revision of the StartMiracastSession page)', lane: 'both',
  },
  {
    id: 'umd.start.sessionInfoReserved',
    text: 'StartMiracastSession writes MIRACAST_SESSION_INFO with Reserved 0.',
    source: 'DOC', reference: 'umd-host.md 3', lane: 'both',
  },
  {
    id: 'umd.message.bytesReturned',
    text: 'HandleKernelModeMessage returns no more bytes than the output buffer holds.',
    source: 'HIL', reference: 'miracast-ddi.md 4.2 (the reply is copied to the miniport\'s buffer)', lane: 'both',
  },
  {
    id: 'umd.callbacks.contextLifetime',
    text: 'The driver uses the callbacks only during the lifetime of its Miracast context.',
    source: 'DOC', reference: 'umd-host.md 1.1 (CreateMiracastContext)', lane: 'both',
  },
  {
    id: 'umd.calls.return',
    text: 'Every entry point returns (a call that never returns is reported, and the host stays loaded rather than unload under it).',
    source: 'HIL', reference: 'umd-host.md 5.1 (watchdogs)', lane: 'both',
  },
];

const byId = new Map(umdRules.map((rule) => [rule.id, rule]));

/** The rule with this id; throws for an unknown id (a host and a table out of step). */
export function umdRule(id: string): UmdRule {
  const rule = byId.get(id);
  if (!rule) throw new Error(`unknown UMD rule ${id}`);
  return rule;
}

/** What the host saw a driver do against a rule. */
export interface UmdFinding {
  ruleId: string;
  /** The rule's text. */
  rule: string;
  source: UmdRuleSource;
  lane: UmdRuleLane;
  /** What was seen. */
  evidence: string;
  /** When, in the trace's clock (see UmdHost.clock). */
  time: number;
  threadId: number;
}
