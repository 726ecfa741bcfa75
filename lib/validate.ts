// Argument checks, run before anything reaches native code: wrong types throw TypeError, values
// out of range throw RangeError, each naming the argument.

export function checkOptions<T extends object>(value: T | undefined, name: string): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${name} must be an object`);
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
    throw new TypeError(`${name} must be a Buffer, a typed array, a DataView or an ArrayBuffer`);
  }
  if (bytes.byteLength > maxLength) {
    throw new RangeError(`${name} is ${bytes.byteLength} bytes; at most ${maxLength} are allowed`);
  }
  return bytes;   // a view on the caller's bytes: the addon copies them at submit
}

export function checkInteger(value: unknown, name: string, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number`);
  }
  if (!Number.isInteger(value)) {
    throw new RangeError(`${name} must be an integer`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${name} must be between ${min} and ${max}`);
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
    throw new TypeError(`${name} must be a boolean`);
  }
  return value;
}

export function checkSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(`${name} must be an AbortSignal`);
  }
  return value;
}

/** A timeout in milliseconds: a positive integer that setTimeout can hold. */
export function checkTimeout(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  return checkInteger(value, name, 1, 0x7fffffff);
}

export function checkFunction<T extends (...args: never[]) => unknown>(value: unknown, name: string): T {
  if (typeof value !== 'function') {
    throw new TypeError(`${name} must be a function`);
  }
  return value as T;
}
