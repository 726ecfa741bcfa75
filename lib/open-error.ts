// Why openDevice failed, in words someone at a test rig can act on: the path and the service it
// tried, and the command that tells more or fixes it. The error stays an NtStatusError (status,
// statusName, operation 'openDevice', win32): code that checks those keeps working.
import { NtStatusError } from './errors';
import { NtStatus } from './ntstatus';

const notLoaded = new Set<number>([
  NtStatus.STATUS_OBJECT_NAME_NOT_FOUND, 0xc000003a /* STATUS_OBJECT_PATH_NOT_FOUND */, 0xc000000e /* STATUS_NO_SUCH_DEVICE */,
]);
const win32NotFound = new Set<number>([2 /* ERROR_FILE_NOT_FOUND */, 3 /* ERROR_PATH_NOT_FOUND */]);
const accessDenied = 0xc0000022; // STATUS_ACCESS_DENIED
const win32AccessDenied = 5;

/** What to do about an open failure. */
export function openFailureHint(status: number, win32: number | undefined, devicePath: string, service: string, defaultPath: string): string {
  if (notLoaded.has(status >>> 0) || (win32 !== undefined && win32NotFound.has(win32))) {
    const custom = devicePath === defaultPath ? '' : ` (or ${devicePath} is not the right path: the driver's device is ${defaultPath})`;
    return `the ${service} driver is not loaded${custom}. Check it with \`miracast-hil driver status\`; ` +
      `install and start it with \`miracast-hil driver install\` from an elevated prompt (docs/install.md).`;
  }
  if (status >>> 0 === accessDenied || win32 === win32AccessDenied) {
    return `access denied: the ${service} control device admits only Administrators and SYSTEM. ` +
      'Run this from an elevated prompt (Run as administrator).';
  }
  return `\`miracast-hil doctor\` checks the driver, its service (${service}) and this machine.`;
}

/** An NtStatusError for a failed open, whose message names the path and the service and says what to do. */
export class DeviceOpenError extends NtStatusError {
  /** The Win32 path that was opened. */
  readonly path: string;
  /** The driver's service name. */
  readonly service: string;
  /** What to do about it (also the end of the message). */
  readonly hint: string;

  constructor(status: number, options: { win32?: number; path: string; service: string; defaultPath: string; cause?: unknown }) {
    super(status, 'openDevice', { win32: options.win32, cause: options.cause });
    this.path = options.path;
    this.service = options.service;
    this.hint = openFailureHint(status, options.win32, options.path, options.service, options.defaultPath);
    this.message = `openDevice(${options.path}) failed: ${this.statusName}` +
      (options.win32 === undefined ? '' : ` (Win32 error ${options.win32})`) + `: ${this.hint}`;
    // The stack's first line was made from the constructor's message: make it again.
    Error.captureStackTrace?.(this, DeviceOpenError);
  }
}
