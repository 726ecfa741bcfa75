// miracast-hil: exercise a WDDM display miniport's Miracast DDIs from TypeScript.
export { openDevice, MiracastDevice, type OpenDeviceOptions } from './device';
export { MiracastContext, type SendMessageOptions, type IoControlOptions } from './context';
export { MiracastAgent, type AgentHandler, type AgentMessage, type AgentOptions, type AgentReply } from './agent';
export { MiniportCommands, type SendMessagesResult } from './miniport';
export { NtStatusError, DeviceClosedError, ContractVersionError, ntStatusCode } from './errors';
export type { ArgumentErrorCode } from './validate';
export { NtStatus, ntStatusName, ntSuccess, ntError, type NtStatusName } from './ntstatus';
export { faultKindNames, type FaultSpec, type FaultKind, type FaultScope } from './faults';
export type { TraceEvent, TraceRead, DdiName, AnswerKind, AdapterStep } from './trace';
export {
  driverStatsFields, miniportStateFields, isIdle,
  type DriverInfo, type DriverStats, type MiracastCaps, type MiniportState, type ResponderOptions, type SendMessageResult,
} from './types';
export { contract, engineState } from './contract';
export {
  NoTestHooksError, type AdapterInfo, type PoolReport, type PoolFinding, type PoolFindingKind, type PoolTagCount,
} from './hosted';
export {
  chunkTypeNames, type Chunk, type ChunkRead, type ChunkReport, type ChunkMisreport, type ReadChunksOptions,
  type ReportChunksOptions,
} from './chunks';
export { runStress, stressScales, type StressOptions, type StressReport, type StressScale, type PartName, type PartResult } from './stress';
export {
  openUmdHost, UmdHost, UmdError, umdRules, umdRule, mergeTimeline, umdTraceNames, WfdSink, miracastStatusNames,
  type OpenUmdHostOptions, type StartOptions, type UmdSession, type SessionInfo, type WfdConnectionStats, type DataRateStats,
  type DataRateEvent, type UmdStatistic, type SessionStatusReport, type UmdHostState, type UmdErrorCode, type UmdRule,
  type UmdFinding, type UmdTraceEvent, type UmdTraceRead, type TimelineEntry, type WfdSinkOptions, type RtspRequest,
} from './umd';
// The conformance suite (rules, runner, reporters): `import { conformance } from 'miracast-hil'`.
export * as conformance from './conformance';
