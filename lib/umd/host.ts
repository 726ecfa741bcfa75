// The UMD host: a scriptable stand-in for the OS's Miracast host process. It loads a user-mode
// Miracast driver DLL and drives it as Windows does (native/umd: every call into the DLL runs on
// the host's native threads, never on this thread), bridges its callbacks to the harness driver,
// plays the sink's end of the RTSP socket here, and reports what broke the rules.
//
//   await using host = await openUmdHost({ dll: 'mh_umd_sample.dll' });
//   const session = await host.start({ stats: { currentBitRate: 20e6 } });
//   await host.context!.sendMessage(Buffer.from('hello'), { outputSize: 64 });   // -> HandleKernelModeMessage
//   await host.destroy();                       // Stop, Destroy, kernel DestroyContext, unload
//   host.findings();                            // [] for a driver that keeps the rules
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { native, type NativeUmdHost } from '../binding';
import { MiracastDevice, type OpenDeviceOptions } from '../device';
import { MiracastContext } from '../context';
import { NtStatus, ntStatusName } from '../ntstatus';
import { ContractVersionError, NtStatusError } from '../errors';
import { checkInteger, checkOptions, invalidArgType, invalidArgValue } from '../validate';
import { UmdError, type UmdErrorCode } from './errors';
import { umdRule, type UmdFinding } from './rules';
import { decodeUmdTrace, type UmdTraceRead } from './trace';
import { WfdSink, type WfdSinkOptions } from './sink';

export type UmdHostState =
  | 'unloaded' | 'loaded' | 'creating' | 'created' | 'startPending' | 'started' | 'stopPending' | 'stopped'
  | 'destroying' | 'disposed';

export interface OpenUmdHostOptions {
  /** Path of the UMD DLL (what the INF's MiracastDriverName would name). */
  dll: string;
  /** The harness's control device: its path (default \\.\MiracastHil), or an open device whose path is used. */
  device?: string | MiracastDevice;
  /** Threads that run HandleKernelModeMessage concurrently (default 4). */
  threads?: number;
  /** Interval of the data-rate notifications (default 1000 ms: "about once a second"). */
  dataRateIntervalMs?: number;
  /** A call into the driver that has not returned by then is reported (default 20000 ms). */
  callTimeoutMs?: number;
  /** How long a thread left behind after Destroy may run before the host ends it (default 5000 ms). */
  threadGraceMs?: number;
}

/** MIRACAST_WFD_CONNECTION_STATS, bits per second. */
export interface WfdConnectionStats {
  currentBitRate?: number;
  localMaxBitRate?: number;
  remoteMaxBitRate?: number;
}

/** MIRACAST_DATARATE_STATS, as the OS would report them about once a second. */
export interface DataRateStats {
  encoderBitRate: number;
  currentMaxTxDataRate: number;
  transmittedFrameCount: number;
  failedFrameCount: number;
  retriedFrameCount: number;
  multipleRetryFrameCount: number;
}

export interface StartOptions {
  stats?: WfdConnectionStats;
  /**
   * The sink's end of the RTSP socket: a function that plays it (called once connected, before
   * Start), or options for the built-in Wi-Fi Display sink (default: a sink with a monitor).
   */
  sink?: ((socket: net.Socket) => void) | WfdSinkOptions;
  /** How long the host waits for the sink to connect (default 10000 ms). */
  acceptTimeoutMs?: number;
}

/** MIRACAST_SESSION_INFO as StartMiracastSession returned it. */
export interface SessionInfo {
  monitorConnected: boolean;
  reducedModeListDueToBandwidth: boolean;
  reserved: number;
  value: number;
}

export interface UmdSession {
  contextId: number;
  targetId: number;
  sessionInfo: SessionInfo;
  /** The sink's end of the RTSP socket. */
  sink: net.Socket;
  /** The built-in sink, when start() used it. */
  wfdSink?: WfdSink;
}

export type UmdStatisticType = 'chunkProcessingComplete' | 'chunkSent' | 'event';
export interface UmdStatistic {
  type: UmdStatisticType;
  frameNumber?: number;
  partNumber?: number;
  chunkType?: number;
  processingTime?: number;
  encodeRate?: number;
  /** MIRACAST_PROTOCOL_EVENT for type 'event'. */
  event?: number;
}

export const miracastStatusNames = [
  'CRITICAL_ERROR', 'MISSING_KEEPALIVE', 'SINK_DISOCNNECT_REQUEST', 'INSUFFICIENT_BANDWIDTH',
  'SINK_FAILED_STANDARD_MODE_CHANGE', 'COMPANION_DRIVER_DISCONNECT',
] as const;

export interface SessionStatusReport {
  /** MIRACAST_STATUS */
  reason: number;
  reasonName: string;
  status: number;
  statusName: string;
}

export type DataRateEvent =
  | { what: 'registered' | 'unregistered' | 'ended' }
  | ({ what: 'notified' } & DataRateStats);

const statisticTypes: UmdStatisticType[] = ['chunkProcessingComplete', 'chunkSent', 'event'];

/**
 * Loads a UMD DLL into a new host (on the host's control thread), attached to the harness driver
 * through its own handle. Rejects with UmdError: ERR_UMD_LOAD, ERR_UMD_NO_EXPORT, ERR_UMD_INTERFACE.
 */
export async function openUmdHost(options: OpenUmdHostOptions): Promise<UmdHost> {
  const opts = checkOptions(options, 'options');
  if (typeof opts.dll !== 'string' || opts.dll.length === 0) throw invalidArgType('options.dll must be a non-empty string');
  let path: OpenDeviceOptions['path'];
  if (opts.device instanceof MiracastDevice) path = opts.device.path;
  else if (opts.device === undefined || typeof opts.device === 'string') path = opts.device;
  else throw invalidArgType('options.device must be a path or a MiracastDevice');
  const threads = checkInteger(opts.threads, 'options.threads', 1, 64, 4);
  const dataRateIntervalMs = checkInteger(opts.dataRateIntervalMs, 'options.dataRateIntervalMs', 10, 60_000, 1000);
  const callTimeoutMs = checkInteger(opts.callTimeoutMs, 'options.callTimeoutMs', 100, 600_000, 20_000);
  const threadGraceMs = checkInteger(opts.threadGraceMs, 'options.threadGraceMs', 0, 60_000, 5000);

  const addon = native();
  const devicePath = path ?? addon.constants.devicePath;
  let handle;
  try {
    handle = new addon.Device(devicePath);
  } catch (error) {
    const e = error as { ntstatus?: number; win32?: number };
    if (typeof e?.ntstatus === 'number') throw new NtStatusError(e.ntstatus, 'openUmdHost', { win32: e.win32, cause: error });
    throw error;
  }
  const device = new MiracastDevice(handle, devicePath, addon.constants);
  let host: UmdHost | undefined;
  try {
    const info = await device.info();
    if (info.contractVersion >>> 16 !== addon.constants.contractVersion >>> 16) {
      throw new ContractVersionError(info.contractVersion, addon.constants.contractVersion);
    }
    host = new UmdHost(device, handle, opts.dll, { threads, dataRateIntervalMs, callTimeoutMs, threadGraceMs });
    await host.load();
    return host;
  } catch (error) {
    if (host) await host.close();
    else await device.close();
    throw error;
  }
}

/**
 * Events: 'state' (state), 'statistic' (UmdStatistic), 'sessionStatus' (SessionStatusReport),
 * 'dataRate' (DataRateEvent), 'finding' (UmdFinding), 'teardown' (status: the host tore the
 * session down after a session-status report), 'error' (Error: the host lost its kernel bridge).
 */
export class UmdHost extends EventEmitter implements AsyncDisposable {
  /** The DLL's path. */
  readonly dll: string;
  /** The harness device this host drives (its own handle; it closes with the host). */
  readonly device: MiracastDevice;
  /** The clock of both traces: time x unit100ns x 100 ns. */
  readonly clock: { unit100ns: number; source: string };
  readonly #native: NativeUmdHost;
  readonly #callTimeoutMs: number;
  #context: MiracastContext | undefined;
  #sink: net.Socket | undefined;
  #closing: Promise<void> | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  /** @internal use openUmdHost() */
  constructor(device: MiracastDevice, handle: unknown, dll: string,
              options: { threads: number; dataRateIntervalMs: number; callTimeoutMs: number; threadGraceMs: number }) {
    super();
    this.dll = dll;
    this.device = device;
    const addon = native();
    this.clock = { ...addon.UmdHost.clock };
    this.#callTimeoutMs = options.callTimeoutMs;
    this.#native = new addon.UmdHost(handle as never, (kind, payload) => this.#onEvent(kind, payload), {
      poolThreads: options.threads, dataRateIntervalMs: options.dataRateIntervalMs, threadGraceMs: options.threadGraceMs,
    });
  }

  get state(): UmdHostState {
    return this.#native.state as UmdHostState;
  }

  /** The kernel context of the current session (sendMessage reaches the UMD's HandleKernelModeMessage). */
  get context(): MiracastContext | undefined {
    return this.#context;
  }

  /** The sink's end of the current session's RTSP socket. */
  get sink(): net.Socket | undefined {
    return this.#sink;
  }

  /** True once a call into the driver did not return in time (reported as umd.calls.return). */
  get wedged(): boolean {
    return this.#native.wedged;
  }

  // ------------------------------------------------------------------ tasks

  #assertOpen(operation: string): void {
    if (this.#closing) throw new UmdError('ERR_UMD_CLOSED', NtStatus.STATUS_CANCELLED, operation);
  }

  /** Runs one control-thread task; tasks run in order, each under the call watchdog. */
  #run(operation: string, task: string, args: (string | number)[] = []): Promise<Record<string, number | string>> {
    if (this.#closing && task !== 'close') {
      return Promise.reject(new UmdError('ERR_UMD_CLOSED', NtStatus.STATUS_CANCELLED, operation));
    }
    const result = this.#native.run(task, ...args);
    const watched = new Promise<Record<string, number | string>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#native.reportHang(operation, this.#callTimeoutMs);
        reject(new UmdError('ERR_UMD_HANG', NtStatus.STATUS_IO_TIMEOUT, operation));
      }, this.#callTimeoutMs);
      result.then((value) => { clearTimeout(timer); resolve(value); }, (error: unknown) => { clearTimeout(timer); reject(error); });
    });
    this.#tail = watched.catch(() => undefined);
    return watched;
  }

  static #failure(code: UmdErrorCode, result: Record<string, number | string>, operation: string): UmdError {
    const step = typeof result.step === 'string' ? result.step : undefined;
    const win32 = typeof result.win32 === 'number' ? result.win32 : undefined;
    return new UmdError(code, result.status as number, operation, { step, win32 });
  }

  /** @internal openUmdHost loads; a later session after destroy() loads again, as the OS does. */
  async load(): Promise<void> {
    const result = await this.#run('load', 'load', [this.dll]);
    const status = result.status as number;
    if (status === 0) return;
    const code: UmdErrorCode = status === NtStatus.STATUS_DLL_NOT_FOUND ? 'ERR_UMD_LOAD'
      : status === NtStatus.STATUS_ENTRYPOINT_NOT_FOUND ? 'ERR_UMD_NO_EXPORT'
      : status === NtStatus.STATUS_INVALID_DEVICE_STATE ? 'ERR_UMD_STATE' : 'ERR_UMD_INTERFACE';
    throw new UmdError(code, status, 'load', {
      win32: typeof result.win32 === 'number' ? result.win32 : undefined, findings: this.findings(),
    });
  }

  /**
   * Kernel CreateContext, then the UMD's CreateMiracastContext (with the host attached as the
   * harness's agent, sessions started by the host). Loads the DLL again after a destroy().
   */
  async create(): Promise<{ contextId: number; targetId: number }> {
    this.#assertOpen('create');
    if (this.state === 'unloaded') await this.load();
    const result = await this.#run('create', 'create');
    const status = result.status as number;
    if (status !== 0) {
      const step = result.step;
      const code: UmdErrorCode = status === NtStatus.STATUS_INVALID_DEVICE_STATE && step === undefined ? 'ERR_UMD_STATE'
        : step === 'agentAttach' ? 'ERR_UMD_AGENT' : step === 'CreateMiracastContext' ? 'ERR_UMD_CREATE' : 'ERR_UMD_KERNEL';
      throw UmdHost.#failure(code, result, 'create');
    }
    const contextId = result.contextId as number;
    const targetId = result.targetId as number;
    this.#context = new MiracastContext(this.device, contextId, targetId);
    return { contextId, targetId };
  }

  /**
   * StartMiracastSession with a connected loopback socket whose far end the sink plays. The
   * kernel session starts when Start returns (messages sent meanwhile were held). If Start fails
   * the host destroys the context, as the OS does, and this rejects with ERR_UMD_START.
   */
  async start(options?: StartOptions): Promise<UmdSession> {
    this.#assertOpen('start');
    const opts = checkOptions(options, 'options');
    const stats = checkOptions(opts.stats, 'options.stats');
    const rate = (value: unknown, name: string, fallback: number) => checkInteger(value, name, 0, Number.MAX_SAFE_INTEGER, fallback);
    const current = rate(stats.currentBitRate, 'options.stats.currentBitRate', 20_000_000);
    const local = rate(stats.localMaxBitRate, 'options.stats.localMaxBitRate', 54_000_000);
    const remote = rate(stats.remoteMaxBitRate, 'options.stats.remoteMaxBitRate', 54_000_000);
    const acceptTimeoutMs = checkInteger(opts.acceptTimeoutMs, 'options.acceptTimeoutMs', 1, 600_000, 10_000);
    if (opts.sink !== undefined && typeof opts.sink !== 'function' && (opts.sink === null || typeof opts.sink !== 'object')) {
      throw invalidArgType('options.sink must be a function or WfdSinkOptions');
    }
    if (this.state === 'unloaded' || this.state === 'loaded') await this.create();
    if (this.state !== 'created') {
      throw new UmdError('ERR_UMD_STATE', NtStatus.STATUS_INVALID_DEVICE_STATE, 'start');
    }
    const port = this.#native.listen();
    if (port === 0) throw new UmdError('ERR_UMD_ACCEPT', NtStatus.STATUS_INSUFFICIENT_RESOURCES, 'start', { step: 'listen' });
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => { /* the host closes its end at Stop; a reset then is expected */ });
    let wfdSink: WfdSink | undefined;
    if (typeof opts.sink === 'function') opts.sink(socket);
    else wfdSink = new WfdSink(socket, opts.sink ?? {});
    this.#sink = socket;
    const result = await this.#run('start', 'start', [current, local, remote, acceptTimeoutMs]);
    const status = result.status as number;
    if (status !== 0) {
      socket.destroy();
      this.#sink = undefined;
      if (result.step === 'StartMiracastSession') this.#forgetContext();   // the host destroyed it, as the OS does
      const code: UmdErrorCode = result.step === 'accept' ? 'ERR_UMD_ACCEPT'
        : result.step === 'StartMiracastSession' ? 'ERR_UMD_START'
        : status === NtStatus.STATUS_INVALID_DEVICE_STATE ? 'ERR_UMD_STATE' : 'ERR_UMD_KERNEL';
      throw UmdHost.#failure(code, result, 'start');
    }
    const value = result.sessionInfo as number;
    const context = this.#context!;
    return {
      contextId: context.id, targetId: context.targetId, sink: socket, wfdSink,
      sessionInfo: {
        value, monitorConnected: (value & 1) !== 0, reducedModeListDueToBandwidth: (value & 2) !== 0, reserved: value >>> 2,
      },
    };
  }

  /** StopMiracastSession: the kernel session stops first (later messages are dropped), then the UMD's Stop; the host closes the RTSP socket. */
  async stop(): Promise<void> {
    this.#assertOpen('stop');
    const result = await this.#run('stop', 'stop');
    if (result.status !== 0) throw UmdHost.#failure('ERR_UMD_STATE', result, 'stop');
  }

  /**
   * Ends the session in the OS's order: Stop (if started), DestroyMiracastContext (3 s
   * watchdog), kernel DestroyContext, the thread check, and the unload.
   */
  async destroy(): Promise<{ destroyMs?: number; threadsLeft?: number }> {
    this.#assertOpen('destroy');
    const result = await this.#run('destroy', 'destroy');
    this.#forgetContext();
    if (result.status !== 0 && result.status !== NtStatus.STATUS_INVALID_DEVICE_STATE) {
      throw UmdHost.#failure('ERR_UMD_KERNEL', result, 'destroy');
    }
    return { destroyMs: result.destroyMs as number | undefined, threadsLeft: result.threadsLeft as number | undefined };
  }

  #forgetContext(): void {
    this.#context?.markDestroyed();
    this.#context = undefined;
    this.#sink?.destroy();
    this.#sink = undefined;
  }

  /**
   * The test miniport's encoder (its test hooks; IOCTL_MH_REPORT_CHUNKS): `frames` frames of
   * FRAME_START, COLOR_CONVERT_COMPLETE and `slicesPerFrame` ENCODE_COMPLETE chunks (the last one
   * part 0), reported as its ISR and DPC would, for the UMD to read with GetNextChunkData. Rejects
   * with ERR_UMD_KERNEL (STATUS_INVALID_DEVICE_REQUEST) on a harness without the chunk path.
   */
  async reportChunks(options: { frames: number; slicesPerFrame?: number; privateDataSize?: number; misreport?: 'wrongTarget' | 'oversize' | 'noDpc' }):
      Promise<{ reported: number; queued: number; firstError: number }> {
    this.#assertOpen('reportChunks');
    const opts = checkOptions(options, 'options');
    const frames = checkInteger(opts.frames, 'options.frames', 1, 1000);
    const slices = checkInteger(opts.slicesPerFrame, 'options.slicesPerFrame', 1, 64, 2);
    const size = checkInteger(opts.privateDataSize, 'options.privateDataSize', 0, 4096, 16);
    const misreports = { wrongTarget: 1, oversize: 2, noDpc: 3 } as const;
    if (opts.misreport !== undefined && !(opts.misreport in misreports)) throw invalidArgValue('options.misreport is not a misreport kind', 'RangeError');
    const result = await this.#run('reportChunks', 'reportChunks', [frames, slices, size, opts.misreport ? misreports[opts.misreport] : 0]);
    if (result.status !== 0) throw UmdHost.#failure(result.status === NtStatus.STATUS_INVALID_DEVICE_STATE ? 'ERR_UMD_STATE' : 'ERR_UMD_KERNEL', result, 'reportChunks');
    return { reported: result.reported as number, queued: result.queued as number, firstError: result.firstError as number };
  }

  // ------------------------------------------------------------------ scripted OS values and faults

  /** The MIRACAST_DATARATE_STATS the next notifications carry (default: from the start stats). */
  setDataRate(stats: DataRateStats): void {
    this.#assertOpen('setDataRate');
    const s = checkOptions(stats, 'stats');
    const field = (name: keyof DataRateStats) => checkInteger(s[name], `stats.${name}`, 0, Number.MAX_SAFE_INTEGER, 0);
    this.#native.setDataRate({
      encoderBitRate: field('encoderBitRate'), currentMaxTxDataRate: field('currentMaxTxDataRate'),
      transmittedFrameCount: field('transmittedFrameCount'), failedFrameCount: field('failedFrameCount'),
      retriedFrameCount: field('retriedFrameCount'), multipleRetryFrameCount: field('multipleRetryFrameCount'),
    });
  }

  /** The OS side misbehaving on purpose: the next `count` GetNextChunkData calls return STATUS_CONNECTION_RESET, as after a chunk-pool overflow. */
  injectChunkReset(count = 1): void {
    this.#assertOpen('injectChunkReset');
    this.#native.injectChunkResets(checkInteger(count, 'count', 1, 1000));
  }

  // ------------------------------------------------------------------ what happened

  /** The host's trace (UMD entries and callbacks with the OS's event ids), from `since`. */
  trace(options?: { since?: number; max?: number }): UmdTraceRead {
    const { since, max } = checkOptions(options, 'options');
    return decodeUmdTrace(this.#native.trace(checkInteger(since, 'options.since', 0, Number.MAX_SAFE_INTEGER, 0),
                                             checkInteger(max, 'options.max', 1, 16384, 16384)));
  }

  /** The sequence the next trace event gets: pass it as `since`. */
  traceMark(): number {
    return this.#native.trace(Number.MAX_SAFE_INTEGER, 1).nextSequence;
  }

  /** Everything the host found the driver doing against the rules (lib/umd/rules.ts). */
  findings(): UmdFinding[] {
    return this.#native.findings().map((f) => {
      const rule = umdRule(f.rule);
      return { ruleId: rule.id, rule: rule.text, source: rule.source, lane: rule.lane, evidence: f.evidence, time: f.time, threadId: f.threadId };
    });
  }

  /** The host's counters: messages handled and dropped, reply batches, concurrency, chunk reads, ... */
  counters(): Record<string, number> {
    return this.#native.counters();
  }

  // ------------------------------------------------------------------ events and the end

  #onEvent(kind: string, payload: Record<string, number | string>): void {
    switch (kind) {
      case 'state':
        this.emit('state', payload.state);
        break;
      case 'statistic': {
        const { type, ...rest } = payload as Record<string, number>;
        this.emit('statistic', { type: statisticTypes[type] ?? 'event', ...rest } satisfies UmdStatistic);
        break;
      }
      case 'sessionStatus': {
        const reason = payload.reason as number;
        const status = payload.status as number;
        this.emit('sessionStatus', {
          reason, reasonName: miracastStatusNames[reason] ?? String(reason), status, statusName: ntStatusName(status),
        } satisfies SessionStatusReport);
        break;
      }
      case 'dataRate':
        this.emit('dataRate', payload as unknown as DataRateEvent);
        break;
      case 'finding': {
        const rule = umdRule(payload.rule as string);
        this.emit('finding', {
          ruleId: rule.id, rule: rule.text, source: rule.source, lane: rule.lane, evidence: payload.evidence as string,
          time: native().UmdHost.now(), threadId: 0,
        } satisfies UmdFinding);
        break;
      }
      case 'teardown':
        this.#forgetContext();
        this.emit('teardown', payload.status);
        break;
      case 'error':
        if (this.listenerCount('error') > 0) this.emit('error', new Error(String(payload.what)));
        else process.emitWarning(`miracast-hil UMD host: ${String(payload.what)}`, 'MiracastUmdHostWarning');
        break;
    }
  }

  /**
   * Ends whatever is live in the OS's order (Stop, Destroy, kernel DestroyContext, unload), stops
   * the host's threads and closes its handle. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#tail;
        await this.#run('close', 'close').catch(() => undefined);
      } finally {
        this.#forgetContext();
        this.#native.dispose();
        await this.device.close();
      }
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
