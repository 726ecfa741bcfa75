// The control device (\\.\MiracastHil): opening it, the request channel every operation goes
// through (ids, ref/unref, AbortSignal and timeouts that cancel in the kernel, typed errors), and
// the device-level operations. Contexts, the agent and the miniport commands see this device only
// as a RequestChannel (channel.ts).
import { native, isNativeFailure, type NativeConstants, type NativeDevice } from './binding';
import { ContractVersionError, DeviceClosedError, NtStatusError, abortError, abortReason, timeoutError } from './errors';
import { DeviceOpenError } from './open-error';
import { NtStatus } from './ntstatus';
import {
  checkBoolean, checkBytes, checkInteger, checkOptions, checkStatus, invalidArgType, withArgumentCode,
} from './validate';
import type { IssuedRequest, OpName, RequestChannel, RequestOptions } from './channel';
import { MiracastContext } from './context';
import { MiracastAgent, checkAgentArguments, type AgentHandler, type AgentOptions } from './agent';
import { faultRequest, type FaultSpec } from './faults';
import { decodeTrace, type TraceRead } from './trace';
import type { DriverInfo, DriverStats, MiracastCaps, MiniportState, ResponderOptions } from './types';
import { hooksFailure, readAdapter, readMiniportState, readPool, type AdapterInfo, type PoolReport } from './hosted';

export type { IssuedRequest, RequestOptions } from './channel';
export { DeviceClosedError } from './errors';

export interface OpenDeviceOptions {
  /** Win32 path of the control device. Default: \\.\MiracastHil */
  path?: string;
}

/**
 * Opens the control device. Rejects with an NtStatusError (operation "openDevice") when the device
 * cannot be opened (no driver: STATUS_OBJECT_NAME_NOT_FOUND) or what opened does not answer as this
 * driver (its handle is closed before the rejection), or a ContractVersionError when the driver
 * speaks another contract version.
 */
export async function openDevice(options?: OpenDeviceOptions): Promise<MiracastDevice> {
  const { path } = checkOptions(options, 'options');
  if (path !== undefined && typeof path !== 'string') {
    throw invalidArgType('options.path must be a string');
  }
  const addon = native();
  const devicePath = path ?? addon.constants.devicePath;
  let handle: NativeDevice;
  try {
    handle = new addon.Device(devicePath);
  } catch (error) {
    const e = error as { ntstatus?: number; win32?: number };
    if (typeof e?.ntstatus === 'number') {
      const { serviceName, devicePath: defaultPath } = addon.constants;
      throw new DeviceOpenError(e.ntstatus, { win32: e.win32, path: devicePath, service: serviceName, defaultPath, cause: error });
    }
    throw error;
  }
  const device = new MiracastDevice(handle, devicePath, addon.constants);
  let info: DriverInfo;
  try {
    info = await device.info();
  } catch (error) {
    // Something opened that is not this driver (a file, another device): the handle was opened
    // without sharing, so keeping it until garbage collection would lock the path.
    await device.close();
    throw error instanceof NtStatusError ? new NtStatusError(error.status, 'openDevice', { cause: error }) : error;
  }
  if (info.contractVersion >>> 16 !== addon.constants.contractVersion >>> 16) {
    await device.close();
    throw new ContractVersionError(info.contractVersion, addon.constants.contractVersion);
  }
  return device;
}

/** One listener per AbortSignal and device, however many requests share the signal. */
interface SignalWatch {
  readonly listener: () => void;
  readonly cancels: Set<() => void>;
}

export class MiracastDevice implements RequestChannel, AsyncDisposable {
  /** The Win32 path this device was opened with. */
  readonly path: string;
  /** @internal */
  readonly constants: NativeConstants;
  readonly #handle: NativeDevice;
  #nextId = 1;
  #closing: Promise<void> | undefined;
  readonly #contexts = new Set<MiracastContext>();
  #agent: MiracastAgent | undefined;
  readonly #signals = new WeakMap<AbortSignal, SignalWatch>();
  readonly #failureHandlers = new Map<string, (failure: unknown) => never>();

  /** @internal use openDevice() */
  constructor(handle: NativeDevice, path: string, constants: NativeConstants) {
    this.#handle = handle;
    this.path = path;
    this.constants = constants;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Requests in flight on this device (all kinds). */
  get inFlight(): number {
    return this.#handle.inFlight;
  }

  // ------------------------------------------------------------------ request channel

  /** @internal Issues a request; the caller awaits `promise` (through settle()). */
  issue<T>(op: OpName, args: unknown[], ref = true): IssuedRequest<T> {
    if (this.#closing) throw new DeviceClosedError(op);
    const id = this.#nextId;
    let promise: Promise<T>;
    try {
      promise = this.#handle.submit(this.constants.ops[op], id, ref, ...args) as Promise<T>;
    } catch (error) {
      throw withArgumentCode(error);
    }
    this.#nextId = id >= 0xffffffff ? 1 : id + 1;
    return { id, promise };
  }

  /**
   * @internal Awaits an issued request and turns a failure into the right error. Whatever way
   * it settles, the request's timer and its share of the signal's listener are gone by then.
   */
  settle<T>(operation: string, issued: IssuedRequest<T>, options?: RequestOptions): Promise<T> {
    if (options === undefined || (options.signal === undefined && options.timeoutMs === undefined)) {
      // Nothing to watch: no listener, no timer, no async frame of its own, no closure made per
      // request (the per-message path).
      return issued.promise.then(undefined, this.#failureOf(operation));
    }
    return this.#settleWatched(operation, issued, options);
  }

  /** The rejection handler of an operation's unwatched requests, made once per operation name. */
  #failureOf(operation: string): (failure: unknown) => never {
    let handler = this.#failureHandlers.get(operation);
    if (handler === undefined) {
      handler = (failure: unknown) => {
        throw this.#failure(operation, failure, undefined, undefined, undefined);
      };
      this.#failureHandlers.set(operation, handler);
    }
    return handler;
  }

  async #settleWatched<T>(operation: string, issued: IssuedRequest<T>, options: RequestOptions): Promise<T> {
    const { signal, timeoutMs } = options;
    let reason: 'abort' | 'timeout' | undefined;
    const unwatch = signal === undefined ? undefined : this.#watchSignal(signal, () => {
      reason ??= 'abort';
      this.#handle.cancel(issued.id);
    });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            reason ??= 'timeout';
            this.#handle.cancel(issued.id);
          }, timeoutMs);
    try {
      return await issued.promise;
    } catch (failure) {
      throw this.#failure(operation, failure, reason, signal, timeoutMs);
    } finally {
      unwatch?.();
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** @internal Issues a request and awaits it; rejects (never throws) as an async function would. */
  request<T>(op: OpName, args: unknown[], options?: RequestOptions): Promise<T> {
    try {
      if (options?.signal?.aborted) throw abortReason(options.signal, op);
      return this.settle<T>(op, this.issue<T>(op, args, options?.ref ?? true), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @internal Cancels one request in the kernel (CancelIoEx); false if it already completed. */
  cancel(id: number): boolean {
    return this.#handle.cancel(id);
  }

  /** @internal Whether an in-flight request keeps the event loop alive. */
  setRef(id: number, ref: boolean): boolean {
    return this.#handle.setRef(id, ref);
  }

  /** @internal */
  forgetContext(context: object): void {
    this.#contexts.delete(context as MiracastContext);
  }

  /**
   * Runs `onAbort` when the signal aborts; the returned function unregisters it. A signal shared
   * by many requests gets one listener from this device, removed with its last request.
   */
  #watchSignal(signal: AbortSignal, onAbort: () => void): () => void {
    let watch = this.#signals.get(signal);
    if (watch === undefined) {
      const cancels = new Set<() => void>();
      const listener = () => {
        this.#signals.delete(signal);
        for (const cancel of cancels) cancel();
      };
      watch = { listener, cancels };
      this.#signals.set(signal, watch);
      signal.addEventListener('abort', listener, { once: true });
    }
    const current = watch;
    current.cancels.add(onAbort);
    return () => {
      current.cancels.delete(onAbort);
      if (current.cancels.size === 0 && this.#signals.get(signal) === current) {
        this.#signals.delete(signal);
        signal.removeEventListener('abort', current.listener);
      }
    };
  }

  #failure(operation: string, failure: unknown, reason: 'abort' | 'timeout' | undefined,
           signal: AbortSignal | undefined, timeoutMs: number | undefined): unknown {
    if (!isNativeFailure(failure)) return failure;
    if (failure.ntstatus === NtStatus.STATUS_CANCELLED) {
      // Cancelled in the kernel: say why.
      if (reason === 'abort' && signal) return abortReason(signal, operation);
      if (reason === 'timeout') return timeoutError(`${operation} timed out after ${timeoutMs} ms`);
      if (this.#closing) return abortError(`${operation} was cancelled: the device was closed`);
    }
    return new NtStatusError(failure.ntstatus, operation);
  }

  // ------------------------------------------------------------------ operations

  /** The driver's contract version and limits. */
  async info(): Promise<DriverInfo> {
    return await this.request<DriverInfo>('getInfo', []);
  }

  /** The control layer's own round trip (no DDI, no lock): resolves to the same bytes. */
  async echo(data: Uint8Array): Promise<Buffer> {
    const bytes = checkBytes(data, 'data', this.constants.limits.maxEchoBytes);
    return await this.request<Buffer>('echo', [bytes]);
  }

  /** DxgkDdiMiracastQueryCaps. `capsSize` is passed as MiracastCapsSize (default 8, the struct's size). */
  async queryCaps(options?: { capsSize?: number }): Promise<MiracastCaps> {
    const { capsSize } = checkOptions(options, 'options');
    const size = checkInteger(capsSize, 'options.capsSize', 0, 4096, 8);
    const raw = await this.request<{ maxChunkPrivateDriverDataSize: number; flags: number }>('queryCaps', [size]);
    return {
      maxChunkPrivateDriverDataSize: raw.maxChunkPrivateDriverDataSize,
      hdcpSupport: (raw.flags & 1) !== 0,
      flags: raw.flags,
    };
  }

  /** DxgkDdiMiracastCreateContext. Rejects with STATUS_RESOURCE_IN_USE while every target has a live context. */
  async createContext(): Promise<MiracastContext> {
    const raw = await this.request<{ contextId: number; targetId: number }>('createContext', []);
    const context = new MiracastContext(this, raw.contextId, raw.targetId);
    this.#contexts.add(context);
    return context;
  }

  /**
   * Attaches this handle as the agent: the stand-in for the Miracast user-mode driver, whose
   * handler answers the miniport's messages (HandleKernelModeMessage).
   */
  async attachAgent(handler: AgentHandler, options?: AgentOptions): Promise<MiracastAgent> {
    checkAgentArguments(handler, options);
    if (this.#agent?.attached) {
      throw new NtStatusError(this.constants.statuses.AGENT_TAKEN, 'attachAgent');
    }
    const agent = await MiracastAgent.attach(this, handler, options);
    this.#agent = agent;
    return agent;
  }

  /** The kernel responder: when enabled it answers every message (echo) with `status` after `delayMs`. */
  async configureResponder(options: ResponderOptions): Promise<void> {
    if (options === null || typeof options !== 'object') throw invalidArgType('options must be an object');
    const enabled = checkBoolean(options.enabled, 'options.enabled', true);
    const status = checkStatus(options.status, 'options.status', 0);
    const delayMs = checkInteger(options.delayMs, 'options.delayMs', 0, this.constants.limits.maxResponderDelayMs, 0);
    await this.request('configureResponder', [enabled, status, delayMs]);
  }

  /** The driver's counters (allocations, contexts, messages, callbacks, IRPs, ...). */
  async stats(): Promise<DriverStats> {
    return await this.request<DriverStats>('stats', []);
  }

  /** Test knob: the number of Miracast targets of the test miniport (1, as on real hardware, by default). */
  async configureMiniport(options: { targetCount: number }): Promise<void> {
    if (options === null || typeof options !== 'object') throw invalidArgType('options must be an object');
    const count = checkInteger(options.targetCount, 'options.targetCount', 1, this.constants.limits.maxTargets);
    await this.request('configureMiniport', [count]).catch(async (e: unknown) => {
      throw await hooksFailure(this, 'configureMiniport', e);
    });
  }

  /** The adapter the host started: registration, children, connection state, services called. */
  async adapter(): Promise<AdapterInfo> {
    return await readAdapter(this);
  }

  /** The pool tracker: the miniport's blocks per tag and the rule breaches found since `since`
      (`flush`: check the quarantined blocks first). */
  async pool(options?: { since?: number; flush?: boolean }): Promise<PoolReport> {
    return await readPool(this, options);
  }

  /** The hosted miniport's own counters, through its test hooks (NoTestHooksError without them). */
  async miniportState(): Promise<MiniportState> {
    return await readMiniportState(this);
  }

  /** Arms a fault: the OS side misbehaving on purpose, for a number of operations or a time. */
  async injectFault(fault: FaultSpec): Promise<void> {
    await this.request('setFault', faultRequest(fault, this.constants));
  }

  /** Disarms every fault (and releases callbacks a batch fault was holding). */
  async resetFaults(): Promise<void> {
    await this.request('resetFaults', []);
  }

  /** Reads the DDI trace from `since` (a sequence number; default: the oldest kept). */
  async trace(options?: { since?: number; max?: number }): Promise<TraceRead> {
    const { since, max } = checkOptions(options, 'options');
    const start = checkInteger(since, 'options.since', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = checkInteger(max, 'options.max', 1, this.constants.limits.traceCapacity, this.constants.limits.traceCapacity);
    const raw = await this.request<{ nextSequence: number; lost: number; events: never[] }>('trace', [start, limit]);
    return decodeTrace(raw, this.constants);
  }

  /** The sequence number the next trace event will get: pass it as `since` to read what follows. */
  async traceMark(): Promise<number> {
    const read = await this.trace({ since: Number.MAX_SAFE_INTEGER, max: 1 });
    return read.nextSequence;
  }

  /**
   * Closes the device: cancels every request in flight in the kernel (they reject with AbortError),
   * waits until each has completed, then closes the handle. The driver then destroys this handle's
   * contexts and detaches its agent. Safe to call more than once.
   */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#agent?.markDetached();
      for (const context of this.#contexts) context.markDestroyed();
      this.#contexts.clear();
      this.#closing = this.#handle.close();
    }
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
