// miracast-hil: exercise a WDDM display miniport's Miracast DDIs from TypeScript.
export { openDevice, MiracastDevice, type OpenDeviceOptions } from './device';
export { MiracastContext, type SendMessageOptions, type IoControlOptions } from './context';
export { MiracastAgent, type AgentHandler, type AgentMessage, type AgentOptions, type AgentReply } from './agent';
export { MiniportCommands, type SendMessagesResult } from './miniport';
export { NtStatusError, DeviceClosedError, ContractVersionError, ntStatusCode } from './errors';
export type { ArgumentErrorCode } from './validate';
export { NtStatus, ntStatusName, ntSuccess, ntError, type NtStatusName } from './ntstatus';
export { faultKindNames, type FaultSpec, type FaultKind, type FaultScope } from './faults';
export type { TraceEvent, TraceRead, DdiName, AnswerKind } from './trace';
export {
  driverStatsFields, miniportStateFields, isIdle,
  type DriverInfo, type DriverStats, type MiracastCaps, type MiniportState, type ResponderOptions, type SendMessageResult,
} from './types';
export { contract, engineState } from './contract';
// The conformance suite (rules, runner, reporters): `import { conformance } from 'miracast-hil'`.
export * as conformance from './conformance';
