// NODE_DEBUG=miracast-hil: Node's util.debuglog for the library. When it is on, the addon's
// Device is wrapped so that every request is logged when it is issued and when it completes
// (with its NTSTATUS name on failure), cancels and closes too; the agent's own requests
// (attach, receive, reply, session, detach) are marked "agent". When it is off nothing is
// wrapped and nothing costs anything.
import { debuglog } from 'node:util';
import type { NativeConstants, NativeDevice } from './binding';
import { ntStatusName } from './ntstatus';

const log = debuglog('miracast-hil');

export function debugEnabled(): boolean {
  return log.enabled;
}

export function debug(format: string, ...args: unknown[]): void {
  log(format, ...args);
}

const agentOps = new Set(['attachAgent', 'detachAgent', 'receive', 'reply', 'session']);

function describeFailure(failure: unknown): string {
  const status = (failure as { ntstatus?: unknown } | null)?.ntstatus;
  if (typeof status === 'number') return ntStatusName(status >>> 0);
  return failure instanceof Error ? failure.message : String(failure);
}

/** The addon's Device class with every request logged. */
export function debugDevice(
  Device: new (path: string) => NativeDevice,
  constants: NativeConstants,
): new (path: string) => NativeDevice {
  const names = new Map<number, string>(Object.entries(constants.ops).map(([name, value]) => [value, name]));
  return class DebugDevice extends Device {
    constructor(devicePath: string) {
      super(devicePath);
      log('open %s', devicePath);
    }

    override submit(op: number, id: number, ref: boolean, ...args: unknown[]): Promise<unknown> {
      const name = names.get(op) ?? `op ${op}`;
      const who = agentOps.has(name) ? 'agent ' : '';
      log('%srequest #%d %s', who, id, name);
      const started = performance.now();
      const promise = super.submit(op, id, ref, ...args);
      const elapsed = () => (performance.now() - started).toFixed(2);
      promise.then(
        () => log('%scompletion #%d %s ok in %s ms', who, id, name, elapsed()),
        (failure: unknown) => log('%scompletion #%d %s failed: %s in %s ms', who, id, name, describeFailure(failure), elapsed()),
      );
      return promise;
    }

    override cancel(id: number): boolean {
      const cancelled = super.cancel(id);
      log('cancel #%d (%s)', id, cancelled ? 'cancelling in the kernel' : 'already completed');
      return cancelled;
    }

    override close(): Promise<void> {
      log('close (%d in flight)', this.inFlight);
      return super.close();
    }
  };
}
