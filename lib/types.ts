// Public result types.

export interface DriverInfo {
  contractVersion: number;
  maxMessageBytes: number;
  maxIoControlBytes: number;
  receiveBufferMin: number;
  traceCapacity: number;
  maxTargets: number;
  statsSize: number;
}

export interface MiracastCaps {
  /** DXGK_MIRACAST_CAPS.MaxChunkPrivateDriverDataSize */
  maxChunkPrivateDriverDataSize: number;
  /** DXGK_MIRACAST_CAPS.Flags.HdcpSupport */
  hdcpSupport: boolean;
  /** DXGK_MIRACAST_CAPS.Flags.Value */
  flags: number;
}

export interface ResponderOptions {
  /** Default true. */
  enabled?: boolean;
  /** The IO_STATUS_BLOCK status it answers with (default STATUS_SUCCESS). */
  status?: number;
  /** Delay before the callback runs (default 0). */
  delayMs?: number;
}

export interface SendMessageResult {
  /** pIoStatusBlock->Status seen by DxgkCbMiracastSendMessageCallback. */
  status: number;
  /** pIoStatusBlock->Information. */
  information: number;
  /** The bytes the answer wrote to the miniport's output buffer. */
  output: Buffer;
}

/** The driver's counters (IOCTL_MH_GET_STATS); see MH_STATS_FIELDS in the contract header. */
export interface DriverStats {
  allocationsOutstanding: number;
  allocationsTotal: number;
  fileContexts: number;
  hostContexts: number;
  hostMessages: number;
  miniportBlocks: number;
  miniportContexts: number;
  handlesOpen: number;
  agentAttached: number;
  messagesHeld: number;
  messagesQueued: number;
  messagesDelivered: number;
  messagesAwaitingCallback: number;
  messagesTotal: number;
  sendFailures: number;
  callbacksRun: number;
  responderAnswers: number;
  agentAnswers: number;
  messagesDropped: number;
  receiveCompletions: number;
  receiveBatchMax: number;
  replyBatchMax: number;
  irpsPending: number;
  irpsPendedTotal: number;
  irpsCancelledTotal: number;
  ddiCalls: number;
  ddiInside: number;
  contractViolations: number;
  faultsApplied: number;
  traceEventsLost: number;
  /** Pool blocks the hosted miniport holds (the pool tracker). */
  miniportPoolOutstanding: number;
  miniportPoolTotal: number;
  /** Pool blocks the miniport held once its adapter had started: its idle level. */
  miniportPoolAtStart: number;
  miniportPoolBytes: number;
  /** Pool rule breaches the tracker found (device.pool() names them). */
  poolFindings: number;
  /** IRPs completed while a cancel routine was still set: a driver bug, always 0. */
  irpsCompletedWithCancelRoutine: number;
  /** Calls to DXGKRNL_INTERFACE services the host does not provide (device.adapter() names them). */
  unsupportedServiceCalls: number;
  childStatusIndications: number;
  chunkInterrupts: number;
  chunksQueued: number;
  chunksDelivered: number;
  chunkOverflows: number;
  chunkBadReports: number;
  chunkResets: number;
  dpcsRun: number;
  chunkReadsPending: number;
  /** Closed handles whose contexts the host is still destroying. */
  ownerReleasesPending: number;
  /** BATCH_REAP IRPs waiting for a completion record (the batched transport; not in irpsPending). */
  batchReapsPending: number;
  /** BATCH_SUBMIT and BATCH_SUBMIT_REAP IOCTLs applied. */
  batchSubmits: number;
  /** Most records one BATCH_SUBMIT carried. */
  batchSubmitMax: number;
  /** Most completion records one BATCH_REAP returned. */
  batchReapMax: number;
  /** SEND_MESSAGE records applied from BATCH_SUBMITs. */
  batchSendRecords: number;
  /** IO_CONTROL records applied from BATCH_SUBMITs (batched ioControl calls). */
  batchIoControlRecords: number;
  /** CANCEL records applied from BATCH_SUBMITs. */
  batchCancelRecords: number;
  /** DEVICE_CONTROL IRPs the driver dispatched: every IOCTL, of every handle. */
  ioctlsDispatched: number;
  /** Callback workers woken to run callbacks: a busy worker takes the next callback without one. */
  callbackWakes: number;
  /** BATCH_SUBMIT_REAP IOCTLs applied (a submit that is also its reap; counted in batchSubmits too). */
  batchSubmitReaps: number;
  /** Reaps answered with a header only: the oldest record did not fit their output (the caller reaps again, larger). */
  batchReapsTooSmall: number;
}

/** The field names of DriverStats, in the driver's order (checked against the addon in tests). */
export const driverStatsFields: readonly (keyof DriverStats)[] = [
  'allocationsOutstanding', 'allocationsTotal', 'fileContexts', 'hostContexts', 'hostMessages', 'miniportBlocks',
  'miniportContexts', 'handlesOpen', 'agentAttached', 'messagesHeld', 'messagesQueued', 'messagesDelivered',
  'messagesAwaitingCallback', 'messagesTotal', 'sendFailures', 'callbacksRun', 'responderAnswers', 'agentAnswers',
  'messagesDropped', 'receiveCompletions', 'receiveBatchMax', 'replyBatchMax', 'irpsPending', 'irpsPendedTotal',
  'irpsCancelledTotal', 'ddiCalls', 'ddiInside', 'contractViolations', 'faultsApplied', 'traceEventsLost',
  'miniportPoolOutstanding', 'miniportPoolTotal', 'miniportPoolAtStart', 'miniportPoolBytes', 'poolFindings',
  'irpsCompletedWithCancelRoutine', 'unsupportedServiceCalls', 'childStatusIndications', 'chunkInterrupts',
  'chunksQueued', 'chunksDelivered', 'chunkOverflows', 'chunkBadReports', 'chunkResets', 'dpcsRun',
  'chunkReadsPending', 'ownerReleasesPending', 'batchReapsPending', 'batchSubmits', 'batchSubmitMax', 'batchReapMax',
  'batchSendRecords', 'batchIoControlRecords', 'batchCancelRecords', 'ioctlsDispatched', 'callbackWakes',
  'batchSubmitReaps', 'batchReapsTooSmall',
];

/** The test miniport's own view (MP_STATE). */
export interface MiniportState {
  contextsCreated: number;
  contextsDestroyed: number;
  contextsLive: number;
  ioControls: number;
  messagesSent: number;
  sendFailures: number;
  callbacksRun: number;
  callbacksBeforeReturn: number;
  callbacksConcurrentMax: number;
  blocksOutstanding: number;
  badCallbacks: number;
  classOverlaps: number;
  level3Overlaps: number;
  monitorConnected: number;
  hpdArrivals: number;
  hpdDepartures: number;
  chunkReports: number;
  lastContextTargetId: number;
  chunkInterrupts: number;
  chunkErrors: number;
  dpcCalls: number;
  indicationFailures: number;
}

export const miniportStateFields: readonly (keyof MiniportState)[] = [
  'contextsCreated', 'contextsDestroyed', 'contextsLive', 'ioControls', 'messagesSent', 'sendFailures', 'callbacksRun',
  'callbacksBeforeReturn', 'callbacksConcurrentMax', 'blocksOutstanding', 'badCallbacks', 'classOverlaps',
  'level3Overlaps', 'monitorConnected', 'hpdArrivals', 'hpdDepartures', 'chunkReports', 'lastContextTargetId',
  'chunkInterrupts', 'chunkErrors', 'dpcCalls', 'indicationFailures',
];

/**
 * Nothing left behind and nothing broken: no context, message, miniport block, pended IRP or
 * pending handle release; one allocation per open handle; the miniport's pool back at its level
 * after the adapter started; no pool finding; no IRP completed with its cancel routine set.
 */
export function isIdle(stats: DriverStats): boolean {
  return (
    stats.hostContexts === 0 && stats.hostMessages === 0 && stats.miniportBlocks === 0 && stats.miniportContexts === 0 &&
    stats.irpsPending === 0 && stats.fileContexts === stats.handlesOpen &&
    stats.allocationsOutstanding === stats.fileContexts && stats.ownerReleasesPending === 0 &&
    stats.miniportPoolOutstanding === stats.miniportPoolAtStart && stats.poolFindings === 0 &&
    stats.irpsCompletedWithCancelRoutine === 0
  );
}
