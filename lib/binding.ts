// The native addon, typed. It is loaded on first use, so that importing the package on a system
// without it (type checks, documentation tools, Linux) does not fail.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A failed request as the addon reports it; the library turns it into a typed error. */
export interface NativeFailure {
  ntstatus: number;
  operation: string;
}

export interface NativeDevice {
  submit(op: number, id: number, ref: boolean, ...args: unknown[]): Promise<unknown>;
  cancel(id: number): boolean;
  setRef(id: number, ref: boolean): boolean;
  close(): Promise<void>;
  readonly inFlight: number;
  readonly closed: boolean;
}

export interface NativeConstants {
  contractVersion: number;
  devicePath: string;
  serviceName: string;
  limits: {
    maxEchoBytes: number;
    maxMessageBytes: number;
    maxIoControlBytes: number;
    maxReplyBatchBytes: number;
    maxTargets: number;
    maxResponderDelayMs: number;
    maxFaultDurationMs: number;
    traceCapacity: number;
    maxHoldMs: number;
    receiveBufferMin: number;
  };
  /** The IOCTL codes, for peers that call DeviceIoControl themselves. */
  ioctls: Record<string, number>;
  ops: Record<
    | 'getInfo' | 'echo' | 'queryCaps' | 'createContext' | 'destroyContext' | 'ioControl' | 'sendMessage'
    | 'attachAgent' | 'detachAgent' | 'receive' | 'reply' | 'session' | 'configureResponder' | 'stats'
    | 'setFault' | 'resetFaults' | 'trace' | 'configureMiniport',
    number
  >;
  statuses: Record<string, number>;
  faultKinds: Record<string, number>;
  faultDescriptions: Record<string, string>;
  traceKinds: Record<string, number>;
  ddi: Record<string, number>;
  answers: Record<string, number>;
  sessionActions: { START: number; STOP: number };
  statsFields: string[];
  miniport: {
    commands: Record<string, number>;
    headerSize: number;
    sendResultSize: number;
    stateSize: number;
    capsMaxChunkPrivateData: number;
    capsFlags: number;
    firstTargetId: number;
    stateFields: string[];
  };
}

/** The UMD host's native half (native/umd/umd_binding.h); lib/umd/host.ts wraps it. */
export interface NativeUmdHost {
  run(task: string, ...args: (string | number)[]): Promise<Record<string, number | string>>;
  listen(): number;
  setDataRate(stats: object | null): void;
  injectChunkResets(count: number): void;
  reportHang(operation: string, ms: number): void;
  trace(since: number, max: number): { events: never[]; nextSequence: number; lost: number };
  findings(): { rule: string; evidence: string; time: number; threadId: number }[];
  counters(): Record<string, number>;
  dispose(): void;
  readonly state: string;
  readonly wedged: boolean;
}

export interface NativeModule {
  Device: new (path: string) => NativeDevice;
  UmdHost: {
    new (device: NativeDevice, onEvent: (kind: string, payload: Record<string, number | string>) => void,
         options: object): NativeUmdHost;
    readonly ruleIds: string[];
    readonly clock: { unit100ns: number; source: string };
    now(): number;
  };
  constants: NativeConstants;
  engineState(): { started: boolean; inFlight: number; refs: number; settleBatch: number };
}

let loaded: NativeModule | undefined;

/** Where the addon is looked for: MIRACAST_HIL_ADDON, the local build, then prebuilds/. */
function candidates(): string[] {
  const root = path.resolve(__dirname, '..');
  const list = [
    path.join(root, 'build', 'addon', 'miracast_hil.node'),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'miracast_hil.node'),
  ];
  const override = process.env.MIRACAST_HIL_ADDON;
  return override ? [override, ...list] : list;
}

export function native(): NativeModule {
  if (loaded) return loaded;
  if (process.platform !== 'win32') {
    throw new Error(
      'miracast-hil drives a Windows kernel driver: run it on Windows, or inside the Windows Node of the Wine lane (see README)',
    );
  }
  const found = candidates().find((file) => fs.existsSync(file));
  if (!found) {
    throw new Error(`the miracast-hil addon is not built (looked in ${candidates().join(', ')}); run npm run build`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require(found) as NativeModule;
  return loaded;
}

export function isNativeFailure(value: unknown): value is NativeFailure {
  return typeof value === 'object' && value !== null && typeof (value as NativeFailure).ntstatus === 'number';
}
