// Shared by the test files: the lane the suite runs in, waiting for the driver to be idle, and
// putting the driver back as every test expects to find it.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, beforeAll } from 'vitest';
import { isIdle, openDevice, type DriverStats, type MiracastDevice, type TraceEvent } from '../dist/index.js';

/** 'wine' under scripts/test.sh; 'windows' on a real Windows machine with the driver installed. */
export const lane: 'wine' | 'windows' = process.env.MIRACAST_HIL_LANE === 'wine' ? 'wine' : 'windows';

export const root = path.resolve(__dirname, '..');
export const clientExe = path.join(root, 'build', 'driver', 'mhclient.exe');
export const fixture = (name: string): string => path.join(root, 'test', 'fixtures', name);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The outcome of a promise, with its handlers attached at once: a request that rejects while the
 * test awaits something else can never become an unhandled rejection (issue #13). Attach it where
 * the promise is made: `const send = settled(context.sendMessage(...))`.
 */
export function settled<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason }));
}

/** `promise`'s value, or a rejection naming `what` when it takes longer than `ms` (the timer is cleared). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether `promise` settles within `ms`. Only for checking that something does NOT happen (a
 * process does not end, a request stays pending), which can only be observed over a window; to
 * wait for something, wait on its condition (waitFor, waitForTrace).
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return await within(promise.then(() => true, () => true), ms, 'an observation window').catch(() => false);
}

/** Polls until `predicate` holds for the value `read` returns; throws with the last value if it never does. */
export async function waitFor<T>(read: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!predicate(value)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    }
    await sleep(20);
    value = await read();
  }
  return value;
}

/** Waits until the driver has recorded a trace event after `mark` that `match` accepts, and returns it. */
export async function waitForTrace(device: MiracastDevice, mark: number, match: (event: TraceEvent) => boolean,
    what = 'a trace event', timeoutMs = 10_000): Promise<TraceEvent> {
  const read = await waitFor(() => device.trace({ since: mark }), (r) => r.events.some(match), timeoutMs, what);
  return read.events.find(match)!;
}

/**
 * An agent on a handle of its own that holds every message until `release()`, then answers with
 * the message's input (cut to its output size). Close it in a `finally`.
 */
export async function holdingAgent(): Promise<{ release: () => void; close: () => Promise<void> }> {
  const handle = await openDevice();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  try {
    await handle.attachAgent(async (message) => {
      await gate;
      return { output: message.input.subarray(0, message.outputSize) };
    });
  } catch (error) {
    await handle.close();
    throw error;
  }
  return { release, close: async () => { release(); await handle.close(); } };
}

/** Waits until the driver holds nothing but open handles' own state. */
export async function expectIdle(device: MiracastDevice, timeoutMs = 10_000): Promise<DriverStats> {
  return waitFor(() => device.stats(), isIdle, timeoutMs, 'the driver to be idle (nothing leaked)');
}

/** The driver as every test expects it: responder off, no fault, one Miracast target. */
export async function resetDriver(device: MiracastDevice): Promise<void> {
  await device.resetFaults();
  await device.configureResponder({ enabled: false });
  try {
    await device.configureMiniport({ targetCount: 1 });
  } catch {
    // A context is still live: the test that left it will fail on its own idle check.
  }
}

/**
 * Runs a Windows program (inside the lane: under the same Wine server) and collects its output. A
 * process that could not be created at all is created again by scripts/lib/spawn-retry.cjs, which
 * every process of the suite preloads (vitest.config.mjs).
 */
export function run(file: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}):
    Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: options.timeoutMs ?? 120_000, env: options.env ?? process.env, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? ((error as NodeJS.ErrnoException & { code?: unknown }).code as number | null ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout: String(stdout), stderr: String(stderr) });
      });
  });
}

/** A compact view of trace events for one context, for asserting on sequences. */
export function traceKinds(events: TraceEvent[], contextId?: number): string[] {
  return events
    .filter((e) => contextId === undefined || e.contextId === contextId)
    .map((e) => {
      switch (e.kind) {
        case 'ddiEnter': return `enter ${e.ddi}`;
        case 'ddiExit': return `exit ${e.ddi} ${e.statusName}`;
        case 'callback': return `callback ${e.answer} ${e.statusName}`;
        case 'hpd': return `hpd ${e.connected ? 'arrive' : 'depart'}`;
        case 'session': return `session ${e.action} ${e.statusName}`;
        case 'send': return `send ${e.statusName}`;
        case 'chunk': return `chunk ${e.statusName}`;
        case 'fault': return `fault ${e.fault}`;
        case 'agent': return `agent ${e.attached ? 'attach' : 'detach'}`;
        default: return e.kind;
      }
    });
}

/**
 * Opens one device for a test file (closed after it) and, after each test, puts the driver back
 * (resetDriver) and checks that nothing leaked (expectIdle). `use` receives the device.
 */
export function useDevice(use: (device: MiracastDevice) => void, options: { idle?: boolean } = {}): void {
  let device: MiracastDevice;
  beforeAll(async () => {
    device = await openDevice();
    use(device);
    return () => device.close();
  });
  afterEach(async () => {
    await resetDriver(device);
    if (options.idle ?? true) await expectIdle(device);
  });
}
