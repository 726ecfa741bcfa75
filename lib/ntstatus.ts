// NTSTATUS values the driver and the Miracast DDIs use, by name. Values are unsigned 32-bit
// numbers, as the driver reports them (0xC0000120, not -1073741536). The helpers take an NTSTATUS
// as a 32-bit integer (0..0xFFFFFFFF, or a negative int32) and throw for anything else: a status
// that is not a number must never read as STATUS_SUCCESS.
import { checkStatus } from './validate';

export const NtStatus = {
  STATUS_SUCCESS: 0x00000000,
  STATUS_WAIT_1: 0x00000001,
  STATUS_WAIT_2: 0x00000002,
  STATUS_WAIT_3: 0x00000003,
  STATUS_TIMEOUT: 0x00000102,
  STATUS_PENDING: 0x00000103,
  STATUS_BUFFER_OVERFLOW: 0x80000005,
  STATUS_UNSUCCESSFUL: 0xc0000001,
  STATUS_NOT_IMPLEMENTED: 0xc0000002,
  STATUS_INVALID_HANDLE: 0xc0000008,
  STATUS_INVALID_PARAMETER: 0xc000000d,
  STATUS_INVALID_DEVICE_REQUEST: 0xc0000010,
  STATUS_MORE_PROCESSING_REQUIRED: 0xc0000016,
  STATUS_NO_MEMORY: 0xc0000017,
  STATUS_ACCESS_DENIED: 0xc0000022,
  STATUS_BUFFER_TOO_SMALL: 0xc0000023,
  STATUS_OBJECT_NAME_NOT_FOUND: 0xc0000034,
  STATUS_DELETE_PENDING: 0xc0000056,
  STATUS_INTEGER_OVERFLOW: 0xc0000095,
  STATUS_INSUFFICIENT_RESOURCES: 0xc000009a,
  STATUS_DEVICE_NOT_READY: 0xc00000a3,
  STATUS_INSTANCE_NOT_AVAILABLE: 0xc00000ab,
  STATUS_IO_TIMEOUT: 0xc00000b5,
  STATUS_NOT_SUPPORTED: 0xc00000bb,
  STATUS_INVALID_PARAMETER_1: 0xc00000ef,
  STATUS_CANCELLED: 0xc0000120,
  STATUS_DLL_NOT_FOUND: 0xc0000135,
  STATUS_ENTRYPOINT_NOT_FOUND: 0xc0000139,
  STATUS_FILE_CLOSED: 0xc0000128,
  STATUS_INVALID_DEVICE_STATE: 0xc0000184,
  STATUS_IO_DEVICE_ERROR: 0xc0000185,
  STATUS_INVALID_BUFFER_SIZE: 0xc0000206,
  STATUS_CONNECTION_DISCONNECTED: 0xc000020c,
  STATUS_CONNECTION_RESET: 0xc000020d,
  STATUS_NOT_FOUND: 0xc0000225,
  STATUS_DEVICE_REMOVED: 0xc00002b6,
  STATUS_DEVICE_INSUFFICIENT_RESOURCES: 0xc0000468,
  STATUS_RESOURCE_IN_USE: 0xc0000708,
  STATUS_ALREADY_REGISTERED: 0xc0000718,
} as const;

export type NtStatusName = keyof typeof NtStatus;

const names = new Map<number, string>();
for (const [name, value] of Object.entries(NtStatus)) {
  if (!names.has(value)) names.set(value, name);
}

/** The name of an NTSTATUS, or its hex form (0xC0001234) when it has none here. */
export function ntStatusName(status: number): string {
  const value = checkStatus(status, 'status');
  return names.get(value) ?? ntStatusHex(value);
}

/** The hex form of an NTSTATUS already checked: 0x and eight upper-case digits. */
export function ntStatusHex(value: number): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** NT_SUCCESS: success and informational codes (and STATUS_PENDING). */
export function ntSuccess(status: number): boolean {
  return checkStatus(status, 'status') < 0x80000000;
}

/** NT_ERROR: severity "error" (0xC0000000 and above). */
export function ntError(status: number): boolean {
  return checkStatus(status, 'status') >= 0xc0000000;
}
