// The agent's replies: each message gets its own bytes (copied when the handler's result is known)
// and an answer, whatever happens to its reply on the way (a record the driver refuses, a reply
// IOCTL that fails whole, a batch the addon cannot encode), and every such failure reaches the
// error path. Valid in both lanes.
//
// Two cases need a reply IOCTL that fails whole, or a batch the addon throws on: the agent then
// runs on a request channel that forwards everything to the real device except one reply batch,
// which goes to the real driver from a handle that is not the agent (the driver refuses it whole),
// or to the real addon with one record made unencodable. The driver and the addon are real.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDevice, MiracastAgent, NtStatus, NtStatusError, contract, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import type { IssuedRequest, RequestChannel } from '../dist/channel.js';
import { resetDriver, waitFor } from './helpers';

let device: MiracastDevice;        // sends
let umd: MiracastDevice;           // plays the UMD
let stranger: MiracastDevice;      // a handle that is not the agent
let context: MiracastContext;
beforeAll(async () => {
  device = await openDevice();
  umd = await openDevice();
  stranger = await openDevice();
  context = await device.createContext();
  return async () => {
    await context.destroy();
    await stranger.close();
    await umd.close();
    await device.close();
  };
});
afterEach(async () => {
  await resetDriver(device);
  await waitFor(() => device.stats(), (s) => s.agentAttached === 0 && s.hostMessages === 0 && s.irpsPending === 0, 10_000, 'agent gone');
});

/** Sends `count` messages whose input is their index (4 bytes); none may wait until a timeout. */
function sendIndexed(count: number, outputSize = 8) {
  return Array.from({ length: count }, (_, i) => {
    const input = Buffer.alloc(4);
    input.writeUInt32LE(i, 0);
    return context.sendMessage(input, { outputSize, timeoutMs: 20_000 });
  });
}

/** A channel on the umd handle whose reply batches pass through `tamper` first. */
function tamperedChannel(tamper: (records: { messageId: number; status: number; output?: Uint8Array }[]) => IssuedRequest<number[]> | 'pass'): RequestChannel {
  return {
    get constants() { return umd.constants; },
    get closed() { return umd.closed; },
    issue: (op, args, ref) => {
      if (op === 'reply') {
        const tampered = tamper(args[0] as never);
        if (tampered !== 'pass') return tampered as never;
      }
      return umd.issue(op, args, ref);
    },
    settle: (operation, issued, options) => umd.settle(operation, issued, options),
    request: (op, args, options) => umd.request(op, args, options),
    cancel: (id) => umd.cancel(id),
    setRef: (id, ref) => umd.setRef(id, ref),
    forgetContext: (c) => umd.forgetContext(c),
  };
}

/** Holds every handler until `count` messages reached it, so that their answers form one batch. */
function gate(count: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    if (++arrived === count) open();
    await opened;
  };
}

describe('reply bytes', () => {
  it('64 messages answered from one reused scratch buffer each get their own reply', async () => {
    const scratch = Buffer.alloc(8);
    const agent = await umd.attachAgent(({ input }) => {
      scratch.writeUInt32LE(input.readUInt32LE(0), 0);
      scratch.writeUInt32LE(0xa5a5a5a5, 4);
      return { output: scratch };
    });
    try {
      const results = await Promise.all(sendIndexed(64));
      const wrong = results.map((r, i) => (r.output.readUInt32LE(0) === i && r.status === 0 ? -1 : i)).filter((i) => i >= 0);
      expect(wrong).toEqual([]);
      // They did share receive batches: the reuse really raced the send.
      expect((await device.stats()).receiveBatchMax).toBeGreaterThan(1);
    } finally {
      await agent.detach();
    }
  });
});

describe('a record the driver refuses', () => {
  it('is answered with the refusal status and reported to onError; the other records keep their replies', async () => {
    const onError = vi.fn();
    const agent = await umd.attachAgent(({ input }) => ({ output: input }), { onError });
    try {
      await device.injectFault({ kind: 'replyRefuse', status: NtStatus.STATUS_INVALID_BUFFER_SIZE, count: 3 });
      const results = await Promise.all(sendIndexed(16));
      const refused = results.filter((r) => r.status === NtStatus.STATUS_INVALID_BUFFER_SIZE);
      expect(refused).toHaveLength(3);
      for (const r of refused) expect(r).toMatchObject({ information: 0, output: Buffer.alloc(0) });
      results.forEach((r, i) => {
        if (r.status === 0) expect(r.output.readUInt32LE(0)).toBe(i);
      });
      expect(results.filter((r) => r.status === 0)).toHaveLength(13);
      expect(onError).toHaveBeenCalledTimes(3);
      for (const [error, message] of onError.mock.calls) {
        expect(error).toBeInstanceOf(NtStatusError);
        expect(error).toMatchObject({ code: 'STATUS_INVALID_BUFFER_SIZE', operation: 'reply' });
        expect(message).toMatchObject({ contextId: context.id });
      }
      expect(agent.replyErrors).toBe(3);
    } finally {
      await agent.detach();
    }
  });

  it('with no listener the refusal becomes a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const agent = await umd.attachAgent(() => ({ output: Buffer.from('ok') }));
    try {
      await device.injectFault({ kind: 'replyRefuse', status: NtStatus.STATUS_INSUFFICIENT_RESOURCES, count: 1 });
      const result = await context.sendMessage(Buffer.from('x'), { outputSize: 4, timeoutMs: 20_000 });
      expect(result.status).toBe(NtStatus.STATUS_INSUFFICIENT_RESOURCES);
      await waitFor(async () => warnings.length, (n) => n > 0, 5000, 'the warning');
      expect(warnings[0].message).toMatch(/reply was not delivered/);
    } finally {
      process.off('warning', onWarning);
      await agent.detach();
    }
  });

  it('a driver that refuses every answer: the agent tries a bounded number of times, then detach completes the message', async () => {
    const onError = vi.fn();
    const agent = await umd.attachAgent(() => ({ output: Buffer.from('ok') }), { onError });
    try {
      await device.injectFault({ kind: 'replyRefuse', status: NtStatus.STATUS_INVALID_BUFFER_SIZE, count: 1000 });
      const mark = await device.traceMark();
      const pending = context.sendMessage(Buffer.from('x'), { outputSize: 4 });
      // The reply and two error-status answers, each refused and reported; then the agent stops
      // trying (a retry loop would have refused hundreds by the time the stats round trip returns).
      await waitFor(async () => onError.mock.calls.length, (n) => n >= 3, 10_000, 'three refusals');
      await device.stats();
      const refusals = (await device.trace({ since: mark })).events.filter((e) => e.kind === 'fault' && e.fault === 'replyRefuse');
      expect(refusals).toHaveLength(3);
      expect(onError).toHaveBeenCalledTimes(3);
      expect(onError.mock.calls.map(([error]) => (error as NtStatusError).code)).toEqual(Array(3).fill('STATUS_INVALID_BUFFER_SIZE'));
      await agent.detach();
      expect(await pending).toMatchObject({ status: contract.statuses.AGENT_GONE });
    } finally {
      await agent.detach();
    }
  });
});

describe('a reply that cannot be sent', () => {
  it('a reply IOCTL the driver fails whole: the message is answered with that status and the failure reported', async () => {
    const onError = vi.fn();
    let diverted = 0;
    const channel = tamperedChannel((records) => {
      if (diverted++ > 0) return 'pass';
      return stranger.issue('reply', [records]);   // not the agent: the driver refuses the whole batch
    });
    const agent = await MiracastAgent.attach(channel, () => ({ output: Buffer.from('ok') }), { onError });
    try {
      const result = await context.sendMessage(Buffer.from('x'), { outputSize: 4, timeoutMs: 20_000 });
      expect(result).toEqual({ status: contract.statuses.NOT_AGENT, information: 0, output: Buffer.alloc(0) });
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls[0][0]).toMatchObject({ name: 'NtStatusError', status: contract.statuses.NOT_AGENT, operation: 'reply' });
      expect(agent.replyErrors).toBe(1);
    } finally {
      await agent.detach();
    }
  });

  it('a batch the driver fails whole is retried reply by reply: each message still gets its own reply', async () => {
    const onError = vi.fn();
    const batches: number[] = [];
    const channel = tamperedChannel((records) => {
      batches.push(records.length);
      if (batches.length > 1) return 'pass';
      return stranger.issue('reply', [records]);
    });
    const wait = gate(8);
    const agent = await MiracastAgent.attach(channel, async ({ input }) => {
      await wait();
      return { output: input };
    }, { onError });
    try {
      const results = await Promise.all(sendIndexed(8));
      expect(batches).toEqual([8, 1, 1, 1, 1, 1, 1, 1, 1]);
      results.forEach((r, i) => expect({ i, status: r.status, index: r.output.readUInt32LE(0) }).toEqual({ i, status: 0, index: i }));
      expect(onError).not.toHaveBeenCalled();
    } finally {
      await agent.detach();
    }
  });

  it('a batch the addon throws on: per-reply encoding; the bad reply is answered with an error status and reported', async () => {
    const onError = vi.fn();
    const wait = gate(8);
    let badId = -1;
    const channel = tamperedChannel((records) => {
      // The record of message 5, while it still carries output, is one the addon cannot encode.
      const broken = records.map((r) => (r.messageId === badId && r.output ? { ...r, output: 'not bytes' } : r));
      return umd.issue('reply', [broken]);
    });
    const agent = await MiracastAgent.attach(channel, async ({ input, messageId }) => {
      if (input.readUInt32LE(0) === 5) badId = messageId;
      await wait();
      return { output: input };
    }, { onError });
    try {
      const results = await Promise.all(sendIndexed(8));
      results.forEach((r, i) => {
        if (i === 5) expect(r).toEqual({ status: contract.statuses.HANDLER_FAILED, information: 0, output: Buffer.alloc(0) });
        else expect({ i, status: r.status, index: r.output.readUInt32LE(0) }).toEqual({ i, status: 0, index: i });
      });
      expect(onError).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls[0][0]).toBeInstanceOf(TypeError);
      expect(onError.mock.calls[0][0]).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      expect(onError.mock.calls[0][1]).toMatchObject({ messageId: badId });
    } finally {
      await agent.detach();
    }
  });
});
