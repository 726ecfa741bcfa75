// The request channel: what a context, an agent or the miniport commands need from the handle they
// live on - issue a request, await it with typed errors, cancel it, change its ref - and nothing
// else. MiracastDevice implements it; children depend on this interface, never on the device, so
// the import graph of lib/ has no cycle (test/layering.test.ts checks the compiled files).
import type { NativeConstants } from './binding';

/** An operation of the addon's codec (one row per IOCTL). */
export type OpName = keyof NativeConstants['ops'];

/** Per-request options of the request machinery. */
export interface RequestOptions {
  /** Whether the request keeps the event loop alive while in flight (default true). */
  ref?: boolean;
  /** Cancels the request in the kernel; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Cancels the request in the kernel after this many milliseconds; it rejects with TimeoutError. */
  timeoutMs?: number;
}

/** A request issued but not awaited: its id (to cancel it or change its ref) and its promise. */
export interface IssuedRequest<T> {
  id: number;
  promise: Promise<T>;
}

export interface RequestChannel {
  /** The contract's numbers (limits, statuses, ops), from the addon. */
  readonly constants: NativeConstants;
  /** True once the handle is closing: issue() throws DeviceClosedError. */
  readonly closed: boolean;
  /** Issues a request now (throws TypeError/RangeError for bad arguments, DeviceClosedError when closed). */
  issue<T>(op: OpName, args: unknown[], ref?: boolean): IssuedRequest<T>;
  /** Awaits an issued request; a failure becomes NtStatusError, AbortError or TimeoutError. */
  settle<T>(operation: string, issued: IssuedRequest<T>, options?: RequestOptions): Promise<T>;
  /** issue() then settle(). */
  request<T>(op: OpName, args: unknown[], options?: RequestOptions): Promise<T>;
  /** Cancels one request in the kernel (CancelIoEx); false if it already completed. */
  cancel(id: number): boolean;
  /** Whether an in-flight request keeps the event loop alive; false if it already completed. */
  setRef(id: number, ref: boolean): boolean;
  /** A context of this handle was destroyed: the handle stops tracking it. */
  forgetContext(context: object): void;
}
