// The UMD host's typed errors: an NtStatusError (status, statusName, operation) with a stable
// `code` and a message that says what to do.
import { NtStatusError } from '../errors';
import type { UmdFinding } from './rules';

export type UmdErrorCode =
  | 'ERR_UMD_LOAD'          // LoadLibrary failed (path, architecture, a missing import)
  | 'ERR_UMD_NO_EXPORT'     // no QueryMiracastDriverInterface: the OS fails the device
  | 'ERR_UMD_INTERFACE'     // the query failed or returned a short or incomplete interface
  | 'ERR_UMD_AGENT'         // the host could not become the harness's agent (another one is attached)
  | 'ERR_UMD_KERNEL'        // the kernel side refused (CreateContext, session, DestroyContext)
  | 'ERR_UMD_CREATE'        // CreateMiracastContext failed
  | 'ERR_UMD_START'         // StartMiracastSession failed (the host destroyed the context, as the OS does)
  | 'ERR_UMD_ACCEPT'        // the sink never connected to the RTSP listener
  | 'ERR_UMD_STATE'         // the operation does not fit the session's state
  | 'ERR_UMD_HANG'          // a call into the driver did not return in time
  | 'ERR_UMD_CLOSED';       // the host is closed

const hints: Record<UmdErrorCode, string> = {
  ERR_UMD_LOAD: 'check the path and that the DLL is a 64-bit Windows DLL whose imports exist',
  ERR_UMD_NO_EXPORT: 'the driver must export QueryMiracastDriverInterface',
  ERR_UMD_INTERFACE: 'see host findings for what the interface lacked',
  ERR_UMD_AGENT: 'another handle is the agent: detach it or close it first',
  ERR_UMD_KERNEL: 'the harness driver refused; its trace says why',
  ERR_UMD_CREATE: 'the driver refused to create its context',
  ERR_UMD_START: 'the driver refused the session (a low CurrentBitRate gives STATUS_DEVICE_INSUFFICIENT_RESOURCES); the context was destroyed',
  ERR_UMD_ACCEPT: 'connect the sink to the listener before Start (start() does this)',
  ERR_UMD_STATE: 'call create, start, stop and destroy in that order',
  ERR_UMD_HANG: 'the call was reported (rule umd.calls.return); nothing is unloaded while it is inside the driver',
  ERR_UMD_CLOSED: 'open a new host',
};

export class UmdError extends NtStatusError {
  override readonly code: UmdErrorCode;
  /** The step of the operation that failed (agentAttach, kernelCreateContext, accept, ...). */
  readonly step?: string;
  /** What the host found (a load that failed: why the interface was refused). */
  readonly findings?: UmdFinding[];

  constructor(code: UmdErrorCode, status: number, operation: string,
              options?: { step?: string; win32?: number; cause?: unknown; findings?: UmdFinding[] }) {
    super(status, operation, options);
    this.name = 'UmdError';
    this.code = code;
    if (options?.step !== undefined) this.step = options.step;
    if (options?.findings !== undefined) this.findings = options.findings;
    this.message += `${options?.step ? ` at ${options.step}` : ''}: ${hints[code]}`;
  }
}
