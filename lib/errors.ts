// Errors the library raises, each with a stable `code` to branch on:
//   - argument errors: TypeError / RangeError with Node's codes (ERR_INVALID_ARG_TYPE,
//     ERR_OUT_OF_RANGE, ERR_INVALID_ARG_VALUE; see validate.ts), thrown before anything reaches
//     the driver;
//   - driver failures: NtStatusError, whose code is the status's name (STATUS_DEVICE_REMOVED), or
//     NTSTATUS_0xC0001234 for a status NtStatus does not name;
//   - an operation on a closed device: DeviceClosedError, code ERR_DEVICE_CLOSED;
//   - a driver of another contract version: ContractVersionError, code ERR_CONTRACT_VERSION;
//   - cancellation: a DOMException named AbortError or TimeoutError (or the AbortSignal's reason).
import { ntStatusHex, ntStatusName } from './ntstatus';
import { checkStatus, checkString } from './validate';

/** The stable code of an NTSTATUS: its name, or NTSTATUS_ and its hex form when it has none. */
export function ntStatusCode(status: number): string {
  const name = ntStatusName(status);
  return name.startsWith('0x') ? `NTSTATUS_${name}` : name;
}

export class NtStatusError extends Error {
  /** The NTSTATUS, as an unsigned 32-bit number. */
  readonly status: number;
  /** Its name (STATUS_DEVICE_REMOVED), or its hex form. */
  readonly statusName: string;
  /** Stable: the status's name, or NTSTATUS_0x........ for a status without one. */
  readonly code: string;
  /** The operation that failed (sendMessage, createContext, ...). */
  readonly operation: string;
  /** The Win32 error, when the failure came through a Win32 API (opening the device). */
  readonly win32?: number;

  /** Throws TypeError/RangeError when status is not a 32-bit integer or operation not a string. */
  constructor(status: number, operation: string, options?: { win32?: number; cause?: unknown }) {
    const value = checkStatus(status, 'status');
    checkString(operation, 'operation');
    const name = ntStatusName(value);
    super(
      `${operation} failed: ${name}` + (name.startsWith('0x') ? '' : ` (${ntStatusHex(value)})`),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'NtStatusError';
    this.status = value;
    this.statusName = name;
    this.code = ntStatusCode(value);
    this.operation = operation;
    if (options?.win32 !== undefined) this.win32 = options.win32;
  }
}

/** Thrown when an operation is started on a device that is closed or closing. */
export class DeviceClosedError extends Error {
  readonly code = 'ERR_DEVICE_CLOSED';
  constructor(operation: string) {
    super(`${operation}: the device is closed`);
    this.name = 'DeviceClosedError';
  }
}

/** The driver speaks another major contract version than this library. */
export class ContractVersionError extends Error {
  readonly code = 'ERR_CONTRACT_VERSION';
  /** The driver's contract version (major << 16 | minor). */
  readonly driverVersion: number;
  /** This library's. */
  readonly libraryVersion: number;
  constructor(driverVersion: number, libraryVersion: number) {
    const show = (v: number) => `${v >>> 16}.${v & 0xffff}`;
    super(`the driver speaks contract ${show(driverVersion)}, this library ${show(libraryVersion)}`);
    this.name = 'ContractVersionError';
    this.driverVersion = driverVersion;
    this.libraryVersion = libraryVersion;
  }
}

export function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

export function timeoutError(message: string): DOMException {
  return new DOMException(message, 'TimeoutError');
}

/** The error a signal's abort should reject with: its reason when it is an error, else AbortError. */
export function abortReason(signal: AbortSignal, operation: string): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error || (typeof DOMException !== 'undefined' && reason instanceof DOMException)) {
    return reason;
  }
  return abortError(`${operation} was aborted`);
}
