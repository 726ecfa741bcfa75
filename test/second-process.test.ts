// An agent in a second Node process, and what happens when that process goes away.
// Valid in both lanes (under Wine the handle's IRPs go at process exit, IRP_MJ_CLOSE).
import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { fixture, resetDriver, settled, waitFor, within } from './helpers';

let device: MiracastDevice;
let context: MiracastContext;
beforeAll(async () => {
  device = await openDevice();
  context = await device.createContext();
  return async () => {
    await context.destroy();
    await device.close();
  };
});
afterEach(async () => {
  await resetDriver(device);
  await waitFor(() => device.stats(), (s) => s.agentAttached === 0 && s.hostMessages === 0 && s.irpsPending === 0, 15_000, 'the agent process to go');
});

function startAgent(): { child: ChildProcess; ready: Promise<{ pid: number }>; next: () => Promise<any>; exited: Promise<number | null> } {
  const child = fork(fixture('agent-process.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const queue: any[] = [];
  const waiters: ((m: any) => void)[] = [];
  child.on('message', (m) => (waiters.length ? waiters.shift()!(m) : queue.push(m)));
  const next = () => new Promise<any>((resolve) => (queue.length ? resolve(queue.shift()) : waiters.push(resolve)));
  return { child, ready: next(), next, exited };
}

describe('an agent in a second process', () => {
  it('answers messages sent from this process', async () => {
    const { child, ready, exited } = startAgent();
    try {
      const { pid } = await ready;
      const results = await Promise.all(['abc', 'miracast', 'x'].map((s) => context.sendMessage(Buffer.from(s), { outputSize: 16 })));
      expect(results.map((r) => r.output.toString())).toEqual(['cba', 'tsacarim', 'x']);
      for (const r of results) expect(r.status).toBe((0x40000000 | (pid & 0xffff)) >>> 0);
      child.send('exit');
      expect(await within(exited, 30_000, 'the agent process to exit')).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('when it dies holding messages, they complete with STATUS_DEVICE_REMOVED; later sends fail at once', async () => {
    const { child, ready, next, exited } = startAgent();
    try {
      await ready;
      const held = settled(context.sendMessage(Buffer.from('hold-1'), { outputSize: 8 }));
      expect(await next()).toEqual({ held: 1 });
      expect((await device.stats()).messagesDelivered).toBe(1);
      child.kill('SIGKILL');
      await exited;
      expect(await held).toEqual({ status: 'fulfilled', value: { status: contract.statuses.AGENT_GONE, information: 0, output: Buffer.alloc(0) } });
      await waitFor(() => device.stats(), (s) => s.agentAttached === 0, 10_000, 'detach');
      await expect(context.sendMessage(Buffer.from('x'))).rejects.toMatchObject({ status: NtStatus.STATUS_DEVICE_REMOVED });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
