// Fault injection: the OS side misbehaving on purpose. Each fault is scoped - by a number of
// operations (`count`), a lifetime (`durationMs`), or both - and cleared by device.resetFaults().
import type { NativeConstants } from './binding';
import { checkInteger, checkOptions, checkStatus, invalidArgType, invalidArgValue } from './validate';

export interface FaultScope {
  /** Operations the fault applies to. */
  count?: number;
  /** Milliseconds it stays armed. */
  durationMs?: number;
}

export type FaultSpec = FaultScope &
  (
    | { kind: 'createContextFail'; status: number; stage?: 'beforeMiniport' | 'afterMiniport' }
    | { kind: 'sendFail'; status: number }
    | { kind: 'callbackInline'; status?: number }
    | { kind: 'callbackDelay'; delayMs: number }
    | { kind: 'callbackStatus'; status: number }
    | { kind: 'callbackConcurrent'; batch: number }
    | { kind: 'callbackReverse'; batch: number }
    | { kind: 'lockBypass' }
    | { kind: 'replyRefuse'; status: number }
  );

export type FaultKind = FaultSpec['kind'];

/** Library name -> the contract's MH_FAULT_* name. */
export const faultKindNames: Record<FaultKind, string> = {
  createContextFail: 'CREATE_CONTEXT_FAIL',
  sendFail: 'SEND_FAIL',
  callbackInline: 'CALLBACK_INLINE',
  callbackDelay: 'CALLBACK_DELAY',
  callbackStatus: 'CALLBACK_STATUS',
  callbackConcurrent: 'CALLBACK_CONCURRENT',
  callbackReverse: 'CALLBACK_REVERSE',
  lockBypass: 'LOCK_BYPASS',
  replyRefuse: 'REPLY_REFUSE',
};

/** The addon arguments (kind, count, durationMs, status, param) for a fault. */
export function faultRequest(spec: FaultSpec, constants: NativeConstants): [number, number, number, number, number] {
  if (spec === undefined) throw invalidArgType('fault must be an object');
  const f = checkOptions(spec, 'fault') as FaultSpec & Record<string, unknown>;
  const name = faultKindNames[f.kind as FaultKind];
  if (typeof f.kind !== 'string' || name === undefined) {
    throw invalidArgValue(`fault.kind must be one of ${Object.keys(faultKindNames).join(', ')}`);
  }
  const count = checkInteger(f.count, 'fault.count', 0, 0xffffffff, 0);
  const durationMs = checkInteger(f.durationMs, 'fault.durationMs', 0, constants.limits.maxFaultDurationMs, 0);
  if (count === 0 && durationMs === 0) {
    throw invalidArgValue('a fault must be scoped: give fault.count, fault.durationMs, or both', 'RangeError');
  }
  let status = 0;
  let param = 0;
  switch (spec.kind) {
    case 'createContextFail':
      status = checkStatus(spec.status, 'fault.status');
      if (spec.stage !== undefined && spec.stage !== 'beforeMiniport' && spec.stage !== 'afterMiniport') {
        throw invalidArgValue("fault.stage must be 'beforeMiniport' or 'afterMiniport'");
      }
      param = spec.stage === 'afterMiniport' ? 1 : 0;
      break;
    case 'sendFail':
    case 'replyRefuse':
    case 'callbackStatus':
      status = checkStatus(spec.status, 'fault.status');
      break;
    case 'callbackInline':
      status = checkStatus(spec.status, 'fault.status', 0);
      break;
    case 'callbackDelay':
      param = checkInteger(spec.delayMs, 'fault.delayMs', 0, constants.limits.maxResponderDelayMs);
      break;
    case 'callbackConcurrent':
    case 'callbackReverse':
      param = checkInteger(spec.batch, 'fault.batch', 2, 1024);
      break;
    case 'lockBypass':
      break;
  }
  if ((spec.kind === 'createContextFail' || spec.kind === 'sendFail' || spec.kind === 'replyRefuse') && status < 0xc0000000) {
    throw invalidArgValue(`fault.status must be an error status (0xC0000000 or above) for ${spec.kind}`, 'RangeError');
  }
  return [constants.faultKinds[name], count, durationMs, status, param];
}
