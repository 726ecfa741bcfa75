// Argument checks, run before anything reaches native code. Every argument error carries Node's
// own codes: a wrong type is a TypeError with code ERR_INVALID_ARG_TYPE, a number out of range a
// RangeError with code ERR_OUT_OF_RANGE, a value of the right type that is not allowed (an unknown
// kind, an unscoped fault) code ERR_INVALID_ARG_VALUE. Each message names the argument.

export type ArgumentErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_ARG_VALUE';

/** An argument of the wrong type: TypeError, code ERR_INVALID_ARG_TYPE. */
export function invalidArgType(message: string): TypeError & { code: ArgumentErrorCode } {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' as const });
}

/** A number out of its range (or not an integer): RangeError, code ERR_OUT_OF_RANGE. */
export function outOfRange(message: string): RangeError & { code: ArgumentErrorCode } {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' as const });
}

/** A value of the right type that is not one of the allowed ones: code ERR_INVALID_ARG_VALUE. */
export function invalidArgValue(message: string, type: 'TypeError' | 'RangeError' = 'TypeError'): Error & { code: ArgumentErrorCode } {
  const error = type === 'TypeError' ? new TypeError(message) : new RangeError(message);
  return Object.assign(error, { code: 'ERR_INVALID_ARG_VALUE' as const });
}

/**
 * The addon validates its arguments again and throws plain TypeError/RangeError; give those the
 * same codes as the library's own checks, so every argument error a user can see has one.
 */
export function withArgumentCode(error: unknown): unknown {
  if ((error instanceof TypeError || error instanceof RangeError) && (error as { code?: unknown }).code === undefined) {
    Object.assign(error, { code: error instanceof TypeError ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE' });
  }
  return error;
}

export function checkOptions<T extends object>(value: T | undefined, name: string): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') {
    throw invalidArgType(`${name} must be an object`);
  }
  return value;
}

/** Bytes as a Uint8Array view (Buffer, any typed array, DataView or ArrayBuffer accepted). */
export function checkBytes(value: unknown, name: string, maxLength: number): Uint8Array {
  let bytes: Uint8Array;
  if (value instanceof Uint8Array) {
    bytes = value;
  } else if (ArrayBuffer.isView(value)) {
    bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  } else if (value instanceof ArrayBuffer) {
    bytes = new Uint8Array(value);
  } else {
    throw invalidArgType(`${name} must be a Buffer, a typed array, a DataView or an ArrayBuffer`);
  }
  if (bytes.byteLength > maxLength) {
    throw outOfRange(`${name} is ${bytes.byteLength} bytes; at most ${maxLength} are allowed`);
  }
  return bytes;   // a view on the caller's bytes: the addon copies them at submit
}

export function checkInteger(value: unknown, name: string, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number') {
    throw invalidArgType(`${name} must be a number`);
  }
  if (!Number.isInteger(value)) {
    throw outOfRange(`${name} must be an integer`);
  }
  if (value < min || value > max) {
    throw outOfRange(`${name} must be between ${min} and ${max}`);
  }
  return value;
}

/** An NTSTATUS: 0..0xFFFFFFFF, or a negative 32-bit integer. Returned unsigned. */
export function checkStatus(value: unknown, name: string, fallback?: number): number {
  return checkInteger(value, name, -0x80000000, 0xffffffff, fallback) >>> 0;
}

export function checkBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw invalidArgType(`${name} must be a boolean`);
  }
  return value;
}

export function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') {
    throw invalidArgType(`${name} must be a string`);
  }
  return value;
}

export function checkSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw invalidArgType(`${name} must be an AbortSignal`);
  }
  return value;
}

/** A timeout in milliseconds: a positive integer that setTimeout can hold. */
export function checkTimeout(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  return checkInteger(value, name, 1, 0x7fffffff);
}

/** Timeout/abort options shared by operations that may wait. */
export function checkWaitOptions(signal: unknown, timeoutMs: unknown): { signal?: AbortSignal; timeoutMs?: number } {
  return { signal: checkSignal(signal, 'options.signal'), timeoutMs: checkTimeout(timeoutMs, 'options.timeoutMs') };
}

export function checkFunction<T extends (...args: never[]) => unknown>(value: unknown, name: string): T {
  if (typeof value !== 'function') {
    throw invalidArgType(`${name} must be a function`);
  }
  return value as T;
}
