// The UMD host: load a user-mode Miracast driver and drive it as the OS does.
export {
  openUmdHost, UmdHost, miracastStatusNames,
  type OpenUmdHostOptions, type StartOptions, type UmdSession, type SessionInfo, type WfdConnectionStats,
  type DataRateStats, type DataRateEvent, type UmdStatistic, type UmdStatisticType, type SessionStatusReport,
  type UmdHostState,
} from './host';
export { UmdError, type UmdErrorCode } from './errors';
export { umdRules, umdRule, type UmdRule, type UmdFinding, type UmdRuleSource, type UmdRuleLane } from './rules';
export { mergeTimeline, decodeUmdTrace, umdTraceNames, type UmdTraceEvent, type UmdTraceRead, type TimelineEntry } from './trace';
export { WfdSink, type WfdSinkOptions, type RtspRequest } from './sink';
