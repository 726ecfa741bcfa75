// The native addon, typed. It is loaded on first use, so that importing the package on a system
// without it (type checks, documentation tools, Linux) does not fail. Where it is found:
// MIRACAST_HIL_ADDON (a path), else node-gyp-build's search (build/Release from a source install,
// then prebuilds/<platform>-<arch>/). Every way loading can fail gets a message that says what
// to do to someone who installed the package. NODE_DEBUG=miracast-hil logs every request.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { debugDevice, debugEnabled } from './debug';

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
    maxChunkFrames: number;
    maxChunkSlices: number;
    maxChunkReadBytes: number;
    maxChunkPrivateBytes: number;
    chunkPacketHeader: number;
    chunkWaitInfinite: number;
    chunkListInitial: number;
    chunkListGrowth: number;
    chunkListMax: number;
    poolQuarantine: number;
    poolFindingsKept: number;
  };
  /** The IOCTL codes, for peers that call DeviceIoControl themselves. */
  ioctls: Record<string, number>;
  ops: Record<
    | 'getInfo' | 'echo' | 'queryCaps' | 'createContext' | 'destroyContext' | 'ioControl' | 'sendMessage'
    | 'attachAgent' | 'detachAgent' | 'receive' | 'reply' | 'session' | 'configureResponder' | 'stats'
    | 'setFault' | 'resetFaults' | 'trace' | 'configureMiniport'
    | 'readChunks' | 'reportChunks' | 'adapter' | 'readPool' | 'miniportState',
    number
  >;
  statuses: Record<string, number>;
  faultKinds: Record<string, number>;
  faultDescriptions: Record<string, string>;
  traceKinds: Record<string, number>;
  ddi: Record<string, number>;
  answers: Record<string, number>;
  sessionActions: { START: number; STOP: number };
  adapterSteps: Record<string, number>;
  /** The DXGKRNL_INTERFACE services, in slot order (MH_DXGKCB_SERVICES). */
  dxgkrnlServices: string[];
  poolFindingKinds: Record<string, number>;
  poolFindingDescriptions: Record<string, string>;
  /** The contract violations the host detects (MH_VIOLATION_KINDS): name -> value, and what each is. */
  violationKinds: Record<string, number>;
  violationDescriptions: Record<string, string>;
  /** The host's DDI watchdog bound (MH_DDI_BOUND_MS). */
  ddiBoundMs: number;
  dpcFlags: { RESET: number; STOPPED: number; GREW: number };
  chunkMisreports: { NONE: number; WRONG_TARGET: number; OVERSIZE: number; NO_DPC: number };
  statsFields: string[];
  miniport: {
    commands: Record<string, number>;
    headerSize: number;
    sendResultSize: number;
    stateSize: number;
    capsMaxChunkPrivateData: number;
    capsFlags: number;
    firstTargetId: number;
    localTargetId: number;
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

/** A fact the platform could not give, and why. */
export interface UnknownFact {
  value: null;
  reason: string;
}

/** What `miracast-hil doctor` asks the machine (native/system.cc). */
export interface NativeSystemInfo {
  /** Wine's version when running under Wine, else null. */
  wine: string | null;
  elevated: { value: boolean } | UnknownFact;
  testSigning: { value: boolean; enabled: boolean; options: number } | UnknownFact;
  /** GraphicsDrivers values: a DWORD, null when absent, or why it could not be read. */
  graphicsDrivers: Record<'PlatformSupportMiracast' | 'MiracastUseIhvDriver' | 'MiracastForceDisable', number | null | UnknownFact>;
  adapters:
    | { value: { luid: string; sources: number; miracast: 'ihv' | 'microsoft' | 'none' | 'unknown' | null; reason?: string }[] }
    | UnknownFact;
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
  engineState(): { started: boolean; inFlight: number; refs: number; settleBatch: number; heldBytes: number };
  systemInfo(): NativeSystemInfo;
}


let loaded: NativeModule | undefined;
let loadedFrom: string | undefined;

/** The package's root (dist/..). */
export const packageRoot = path.resolve(__dirname, '..');

/** Thrown when the addon cannot be found or loaded; `code` says which case it is. */
export class AddonLoadError extends Error {
  readonly code: 'ERR_MIRACAST_HIL_PLATFORM' | 'ERR_MIRACAST_HIL_ADDON_NOT_FOUND' | 'ERR_MIRACAST_HIL_ADDON_ARCH' | 'ERR_MIRACAST_HIL_ADDON_LOAD';
  /** The file it tried, when there was one. */
  readonly file?: string;
  constructor(code: AddonLoadError['code'], message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AddonLoadError';
    this.code = code;
    if (options?.file !== undefined) this.file = options.file;
  }
}

const machineArch: Record<number, string> = { 0x8664: 'x64', 0xaa64: 'arm64', 0x014c: 'ia32', 0x01c4: 'arm' };

/** The architecture a PE image (.node) was built for, from its COFF header; undefined if it is no PE image. */
export function peArchitecture(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const header = Buffer.alloc(0x40);
    if (fs.readSync(fd, header, 0, header.length, 0) < header.length || header.readUInt16LE(0) !== 0x5a4d) return undefined;
    const peOffset = header.readUInt32LE(0x3c);
    const pe = Buffer.alloc(6);
    if (fs.readSync(fd, pe, 0, pe.length, peOffset) < pe.length || pe.readUInt32LE(0) !== 0x00004550) return undefined;
    const machine = pe.readUInt16LE(4);
    return machineArch[machine] ?? `machine 0x${machine.toString(16)}`;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function prebuiltTargets(): string[] {
  try {
    return fs.readdirSync(path.join(packageRoot, 'prebuilds'));
  } catch {
    return [];
  }
}

/** The addon file to load, or an AddonLoadError saying why there is none. */
export function locateAddon(): string {
  const override = process.env.MIRACAST_HIL_ADDON;
  if (override !== undefined && override !== '') {
    if (!fs.existsSync(override)) {
      throw new AddonLoadError('ERR_MIRACAST_HIL_ADDON_NOT_FOUND',
        `MIRACAST_HIL_ADDON is set to ${override}, which does not exist. Unset MIRACAST_HIL_ADDON to use the ` +
          'addon that ships with miracast-hil, or point it at a miracast_hil.node that exists.', { file: override });
    }
    return path.resolve(override);
  }
  let nodeGypBuild: { path(dir: string): string };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
  } catch (cause) {
    throw new AddonLoadError('ERR_MIRACAST_HIL_ADDON_NOT_FOUND',
      'miracast-hil\'s dependency node-gyp-build (which finds its addon) is missing: reinstall miracast-hil (npm install miracast-hil)',
      { cause });
  }
  try {
    return nodeGypBuild.path(packageRoot);
  } catch (cause) {
    const target = `${process.platform}-${process.arch}`;
    const shipped = prebuiltTargets();
    throw new AddonLoadError('ERR_MIRACAST_HIL_ADDON_NOT_FOUND',
      `miracast-hil has no addon for ${target} in ${packageRoot} ` +
        (shipped.length > 0 ? `(it has prebuilt addons for ${shipped.join(', ')} only). ` : '(no prebuilds/ folder and no source build). ') +
        `Reinstall it with the Node that runs it (npm install miracast-hil), so that its install step builds one; ` +
        'if a bundler or packager (Electron, a single-executable app) copied the package, keep its prebuilds/ folder ' +
        'and load .node files from outside any archive.', { cause });
  }
}

function loadError(file: string, cause: unknown): AddonLoadError {
  const built = peArchitecture(file);
  if (built !== undefined && built !== process.arch) {
    return new AddonLoadError('ERR_MIRACAST_HIL_ADDON_ARCH',
      `the miracast-hil addon at ${file} is built for ${built}, but this Node runs as ${process.arch}. Use the ` +
        `${process.arch} addon (prebuilds/win32-${process.arch}/, or reinstall with this Node), or run a ${built} Node.`,
      { file, cause });
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new AddonLoadError('ERR_MIRACAST_HIL_ADDON_LOAD',
    `the miracast-hil addon at ${file} did not load: ${reason.trim()}. Reinstall miracast-hil (npm install ` +
      'miracast-hil) with the Node that runs it; if the file was copied by hand, copy it whole.', { file, cause });
}

export function native(): NativeModule {
  if (loaded) return loaded;
  if (process.platform !== 'win32') {
    throw new AddonLoadError('ERR_MIRACAST_HIL_PLATFORM',
      'miracast-hil drives a Windows kernel driver: run it on Windows, or inside the Windows Node of the Wine lane (see README)');
  }
  const file = locateAddon();
  const built = peArchitecture(file);
  if (built !== undefined && built !== process.arch) throw loadError(file, new Error(`built for ${built}`));
  let addon: NativeModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(file) as NativeModule;
  } catch (cause) {
    throw loadError(file, cause);
  }
  if (debugEnabled()) addon = { ...addon, Device: debugDevice(addon.Device, addon.constants) };
  loadedFrom = file;
  loaded = addon;
  return loaded;
}

/** Where the addon was loaded from (undefined until it is). */
export function addonPath(): string | undefined {
  return loadedFrom;
}

export function isNativeFailure(value: unknown): value is NativeFailure {
  return typeof value === 'object' && value !== null && typeof (value as NativeFailure).ntstatus === 'number';
}
