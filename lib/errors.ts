// Errors the library raises. Argument errors are TypeError / RangeError, thrown before anything
// reaches the driver; driver failures are NtStatusError; cancellation is a DOMException named
// AbortError or TimeoutError (or the AbortSignal's own reason).
import { ntStatusName } from './ntstatus';

export class NtStatusError extends Error {
  /** The NTSTATUS, as an unsigned 32-bit number. */
  readonly status: number;
  /** Its name (STATUS_DEVICE_REMOVED), or its hex form. */
  readonly statusName: string;
  /** The operation that failed (sendMessage, createContext, ...). */
  readonly operation: string;
  /** The Win32 error, when the failure came through a Win32 API (opening the device). */
  readonly win32?: number;

  constructor(status: number, operation: string, options?: { win32?: number; cause?: unknown }) {
    const value = status >>> 0;
    const name = ntStatusName(value);
    super(
      `${operation} failed: ${name}` +
        (name.startsWith('0x') ? '' : ` (0x${value.toString(16).toUpperCase().padStart(8, '0')})`),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'NtStatusError';
    this.status = value;
    this.statusName = name;
    this.operation = operation;
    if (options?.win32 !== undefined) this.win32 = options.win32;
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
