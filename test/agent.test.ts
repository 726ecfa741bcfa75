// The agent: the stand-in for the Miracast user-mode driver, in this process. Valid in both lanes.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDevice, NtStatus, NtStatusError, contract, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { resetDriver, settled, waitFor } from './helpers';

let device: MiracastDevice;   // sends
let agentDevice: MiracastDevice;   // a second handle plays the UMD
let context: MiracastContext;
beforeAll(async () => {
  device = await openDevice();
  agentDevice = await openDevice();
  context = await device.createContext();
  return async () => {
    await context.destroy();
    await agentDevice.close();
    await device.close();
  };
});
afterEach(async () => {
  await resetDriver(device);
  await waitFor(() => device.stats(), (s) => s.agentAttached === 0 && s.hostMessages === 0 && s.irpsPending === 0, 10_000, 'agent gone');
});

describe('attachAgent', () => {
  it('the handler gets { contextId, input, outputSize }; its status and output reach the sender', async () => {
    const seen: unknown[] = [];
    await using agent = await agentDevice.attachAgent((message) => {
      seen.push({ contextId: message.contextId, input: message.input.toString(), outputSize: message.outputSize });
      return { status: 0x40000007, output: Buffer.from('pong') };
    });
    const result = await context.sendMessage(Buffer.from('ping'), { outputSize: 16 });
    expect(result).toEqual({ status: 0x40000007, information: 4, output: Buffer.from('pong') });
    expect(seen).toEqual([{ contextId: context.id, input: 'ping', outputSize: 16 }]);
    expect(agent.handled).toBe(1);
  });

  it('an async handler, and a handler that returns nothing (STATUS_SUCCESS, no bytes)', async () => {
    await using _agent = await agentDevice.attachAgent(async (message) => {
      await new Promise((resolve) => setImmediate(resolve));
      return message.input.length > 1 ? { output: message.input.subarray(0, 2) } : undefined;
    });
    expect(await context.sendMessage(Buffer.from('xyz'), { outputSize: 8 })).toEqual({ status: 0, information: 2, output: Buffer.from('xy') });
    expect(await context.sendMessage(Buffer.from('x'), { outputSize: 8 })).toEqual({ status: 0, information: 0, output: Buffer.alloc(0) });
  });

  it('a second agent is refused with STATUS_ALREADY_REGISTERED', async () => {
    await using _agent = await agentDevice.attachAgent(() => undefined);
    await expect(device.attachAgent(() => undefined)).rejects.toMatchObject({ status: NtStatus.STATUS_ALREADY_REGISTERED });
    await expect(agentDevice.attachAgent(() => undefined)).rejects.toBeInstanceOf(NtStatusError);
  });

  it.each([
    ['a handler that is not a function', 'nope', undefined, TypeError],
    ['options that are not an object', () => undefined, 3, TypeError],
    ['a non-boolean manualSessions', () => undefined, { manualSessions: 'yes' }, TypeError],
    ['receiveDepth 0', () => undefined, { receiveDepth: 0 }, RangeError],
    ['receiveDepth 17 (one past 16)', () => undefined, { receiveDepth: 17 }, RangeError],
    ['an onError that is not a function', () => undefined, { onError: 1 }, TypeError],
  ])('rejects %s', async (_label, handler, options, type) => {
    await expect(agentDevice.attachAgent(handler as never, options as never)).rejects.toBeInstanceOf(type);
    expect((await device.stats()).agentAttached).toBe(0);
  });

  it.each([1, 16])('accepts receiveDepth %i and keeps that many receives pending', async (depth) => {
    const before = await device.stats();
    await using _agent = await agentDevice.attachAgent(() => undefined, { receiveDepth: depth });
    await waitFor(() => device.stats(), (s) => s.irpsPending - before.irpsPending === depth, 10_000, `${depth} pending receives`);
  });
});

describe('handler failures: answered with an error status, surfaced, never a crash', () => {
  it('a throwing handler answers STATUS_UNSUCCESSFUL and reports to onError', async () => {
    const onError = vi.fn();
    await using agent = await agentDevice.attachAgent(() => {
      throw new Error('handler exploded');
    }, { onError });
    const result = await context.sendMessage(Buffer.from('x'), { outputSize: 4 });
    expect(result.status).toBe(NtStatus.STATUS_UNSUCCESSFUL);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0][0]).toMatchObject({ message: 'handler exploded' });
    expect(onError.mock.calls[0][1]).toMatchObject({ contextId: context.id });
    expect(agent.handlerErrors).toBe(1);
  });

  it('a rejecting handler with an NtStatusError answers its status, and emits handlerError', async () => {
    await using agent = await agentDevice.attachAgent(async () => {
      throw new NtStatusError(NtStatus.STATUS_NOT_SUPPORTED, 'HandleKernelModeMessage');
    });
    const events: unknown[] = [];
    agent.on('handlerError', (error) => events.push(error));
    expect((await context.sendMessage(Buffer.from('x'))).status).toBe(NtStatus.STATUS_NOT_SUPPORTED);
    expect(events).toHaveLength(1);
  });

  it('output of exactly the miniport\'s buffer size is delivered; one byte more answers STATUS_BUFFER_TOO_SMALL', async () => {
    const onError = vi.fn();
    await using _agent = await agentDevice.attachAgent(({ input }) => ({ output: Buffer.alloc(input[0], 0x61) }), { onError });
    expect(await context.sendMessage(Buffer.from([10]), { outputSize: 10 })).toEqual({ status: 0, information: 10, output: Buffer.alloc(10, 0x61) });
    expect(onError).not.toHaveBeenCalled();
    expect((await context.sendMessage(Buffer.from([11]), { outputSize: 10 })).status).toBe(NtStatus.STATUS_BUFFER_TOO_SMALL);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0][0]).toBeInstanceOf(RangeError);
  });

  it('with no listener the failure becomes a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      await using _agent = await agentDevice.attachAgent(() => ({ status: 'bad' as never }));
      expect((await context.sendMessage(Buffer.from('x'))).status).toBe(NtStatus.STATUS_UNSUCCESSFUL);
      await waitFor(async () => warnings.length, (n) => n > 0, 5000, 'the warning');
      expect(warnings[0].message).toMatch(/agent handler failed/);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('detach and batching', () => {
  it('detach completes unanswered messages with STATUS_DEVICE_REMOVED; later sends fail at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await using agent = await agentDevice.attachAgent(async () => {
      await gate;
      return { output: Buffer.from('late') };
    });
    try {
      const pending = settled(context.sendMessage(Buffer.from('x'), { outputSize: 8 }));
      await waitFor(() => device.stats(), (s) => s.messagesDelivered === 1, 5000, 'delivery');
      await agent.detach();
      release();
      expect(await pending).toEqual({ status: 'fulfilled', value: { status: contract.statuses.AGENT_GONE, information: 0, output: Buffer.alloc(0) } });
      await expect(context.sendMessage(Buffer.from('x'))).rejects.toMatchObject({ status: NtStatus.STATUS_DEVICE_REMOVED });
    } finally {
      release();
    }
  });

  it('1,000 concurrent sendMessage calls, received and answered in batches', async () => {
    const issue = vi.spyOn(agentDevice, 'issue');
    try {
      const before = await device.stats();
      const mark = await device.traceMark();
      await using agent = await agentDevice.attachAgent((message) => ({ status: message.input.readUInt32LE(0), output: message.input }));
      const sends = Array.from({ length: 1000 }, (_, i) => {
        const input = Buffer.alloc(8);
        input.writeUInt32LE(i, 0);
        input.writeUInt32LE(~i >>> 0, 4);
        return settled(context.sendMessage(input, { outputSize: 8 }));
      });
      const results = await Promise.all(sends);
      results.forEach((result, i) => {
        expect(result.status, `send ${i}`).toBe('fulfilled');
        const { value } = result as PromiseFulfilledResult<{ status: number; output: Buffer }>;
        expect(value.status, `send ${i}`).toBe(i);
        expect(value.output.readUInt32LE(4), `send ${i}`).toBe(~i >>> 0);
      });
      expect(agent.handled).toBe(1000);
      const after = await device.stats();
      expect(after.agentAnswers - before.agentAnswers).toBe(1000);
      // Received in batches: the driver put several messages into one receive (this run's trace).
      const trace = await device.trace({ since: mark });
      expect(trace.lost).toBe(0);
      const delivered = trace.events.filter((e) => e.kind === 'deliver');
      expect(delivered).toHaveLength(1000);
      expect(Math.max(...delivered.map((e) => (e.kind === 'deliver' ? e.positionInReceive : 0)))).toBeGreaterThan(1);
      expect(after.receiveCompletions - before.receiveCompletions).toBeLessThan(1000);
      // Answered in batches: fewer reply IOCTLs than messages, and the driver took a batch that large.
      const replies = issue.mock.calls.filter(([op]) => op === 'reply').map(([, args]) => (args[0] as unknown[]).length);
      expect(replies.reduce((sum, n) => sum + n, 0)).toBe(1000);
      expect(replies.length).toBeLessThan(1000);
      expect(after.replyBatchMax).toBeGreaterThanOrEqual(Math.max(...replies));
    } finally {
      issue.mockRestore();
    }
    // Nothing left behind but this file's own context.
    const drained = await waitFor(() => device.stats(), (s) => s.hostMessages === 0 && s.irpsPending === 0, 10_000, 'drain');
    expect(drained).toMatchObject({ miniportBlocks: 0, messagesAwaitingCallback: 0, hostContexts: 1, miniportContexts: 1 });
    // The host's context and its chunk list, and the miniport's context (in its own pool, which
    // the tracker counts).
    expect(drained.allocationsOutstanding).toBe(drained.fileContexts + 1 + contract.limits.chunkListInitial);
    expect(drained.miniportPoolOutstanding).toBe(drained.miniportPoolAtStart + 1);
  });

  it('await using detaches the agent', async () => {
    {
      await using agent = await agentDevice.attachAgent(() => undefined);
      expect(agent.attached).toBe(true);
      expect((await device.stats()).agentAttached).toBe(1);
    }
    expect((await device.stats()).agentAttached).toBe(0);
  });
});
