// The agent: the stand-in for the Miracast user-mode driver, in this process. Valid in both lanes.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDevice, NtStatus, NtStatusError, contract, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { resetDriver, waitFor } from './helpers';

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
    const agent = await agentDevice.attachAgent((message) => {
      seen.push({ contextId: message.contextId, input: message.input.toString(), outputSize: message.outputSize });
      return { status: 0x40000007, output: Buffer.from('pong') };
    });
    const result = await context.sendMessage(Buffer.from('ping'), { outputSize: 16 });
    expect(result).toEqual({ status: 0x40000007, information: 4, output: Buffer.from('pong') });
    expect(seen).toEqual([{ contextId: context.id, input: 'ping', outputSize: 16 }]);
    expect(agent.handled).toBe(1);
    await agent.detach();
  });

  it('an async handler, and a handler that returns nothing (STATUS_SUCCESS, no bytes)', async () => {
    const agent = await agentDevice.attachAgent(async (message) => {
      await new Promise((r) => setTimeout(r, 10));
      return message.input.length > 1 ? { output: message.input.subarray(0, 2) } : undefined;
    });
    expect(await context.sendMessage(Buffer.from('xyz'), { outputSize: 8 })).toEqual({ status: 0, information: 2, output: Buffer.from('xy') });
    expect(await context.sendMessage(Buffer.from('x'), { outputSize: 8 })).toEqual({ status: 0, information: 0, output: Buffer.alloc(0) });
    await agent.detach();
  });

  it('a second agent is refused with STATUS_ALREADY_REGISTERED', async () => {
    const agent = await agentDevice.attachAgent(() => undefined);
    await expect(device.attachAgent(() => undefined)).rejects.toMatchObject({ status: NtStatus.STATUS_ALREADY_REGISTERED });
    await expect(agentDevice.attachAgent(() => undefined)).rejects.toBeInstanceOf(NtStatusError);
    await agent.detach();
  });

  it.each([
    ['a handler that is not a function', 'nope', undefined, TypeError],
    ['options that are not an object', () => undefined, 3, TypeError],
    ['a non-boolean manualSessions', () => undefined, { manualSessions: 'yes' }, TypeError],
    ['receiveDepth 0', () => undefined, { receiveDepth: 0 }, RangeError],
    ['an onError that is not a function', () => undefined, { onError: 1 }, TypeError],
  ])('rejects %s', async (_label, handler, options, type) => {
    await expect(agentDevice.attachAgent(handler as never, options as never)).rejects.toBeInstanceOf(type);
    expect((await device.stats()).agentAttached).toBe(0);
  });
});

describe('handler failures: answered with an error status, surfaced, never a crash', () => {
  it('a throwing handler answers STATUS_UNSUCCESSFUL and reports to onError', async () => {
    const onError = vi.fn();
    const agent = await agentDevice.attachAgent(() => {
      throw new Error('handler exploded');
    }, { onError });
    const result = await context.sendMessage(Buffer.from('x'), { outputSize: 4 });
    expect(result.status).toBe(NtStatus.STATUS_UNSUCCESSFUL);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0][0]).toMatchObject({ message: 'handler exploded' });
    expect(onError.mock.calls[0][1]).toMatchObject({ contextId: context.id });
    expect(agent.handlerErrors).toBe(1);
    await agent.detach();
  });

  it('a rejecting handler with an NtStatusError answers its status, and emits handlerError', async () => {
    const agent = await agentDevice.attachAgent(async () => {
      throw new NtStatusError(NtStatus.STATUS_NOT_SUPPORTED, 'HandleKernelModeMessage');
    });
    const events: unknown[] = [];
    agent.on('handlerError', (error) => events.push(error));
    expect((await context.sendMessage(Buffer.from('x'))).status).toBe(NtStatus.STATUS_NOT_SUPPORTED);
    expect(events).toHaveLength(1);
    await agent.detach();
  });

  it('output longer than the miniport\'s buffer answers STATUS_BUFFER_TOO_SMALL', async () => {
    const onError = vi.fn();
    const agent = await agentDevice.attachAgent(() => ({ output: Buffer.alloc(100) }), { onError });
    expect((await context.sendMessage(Buffer.from('x'), { outputSize: 10 })).status).toBe(NtStatus.STATUS_BUFFER_TOO_SMALL);
    expect(onError.mock.calls[0][0]).toBeInstanceOf(RangeError);
    await agent.detach();
  });

  it('with no listener the failure becomes a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const agent = await agentDevice.attachAgent(() => ({ status: 'bad' as never }));
    expect((await context.sendMessage(Buffer.from('x'))).status).toBe(NtStatus.STATUS_UNSUCCESSFUL);
    await waitFor(async () => warnings.length, (n) => n > 0, 5000, 'the warning');
    process.off('warning', onWarning);
    expect(warnings[0].message).toMatch(/agent handler failed/);
    await agent.detach();
  });
});

describe('detach and batching', () => {
  it('detach completes unanswered messages with STATUS_DEVICE_REMOVED; later sends fail at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const agent = await agentDevice.attachAgent(async () => {
      await gate;
      return { output: Buffer.from('late') };
    });
    const pending = context.sendMessage(Buffer.from('x'), { outputSize: 8 });
    await waitFor(() => device.stats(), (s) => s.messagesDelivered === 1, 5000, 'delivery');
    await agent.detach();
    release();
    expect(await pending).toEqual({ status: contract.statuses.AGENT_GONE, information: 0, output: Buffer.alloc(0) });
    await expect(context.sendMessage(Buffer.from('x'))).rejects.toMatchObject({ status: NtStatus.STATUS_DEVICE_REMOVED });
  });

  it('1,000 concurrent sendMessage calls, answered in batches', async () => {
    const agent = await agentDevice.attachAgent((message) => ({ status: message.input.readUInt32LE(0), output: message.input }));
    const sends = Array.from({ length: 1000 }, (_, i) => {
      const input = Buffer.alloc(8);
      input.writeUInt32LE(i, 0);
      input.writeUInt32LE(~i >>> 0, 4);
      return context.sendMessage(input, { outputSize: 8 });
    });
    const results = await Promise.all(sends);
    results.forEach((result, i) => {
      expect(result.status).toBe(i);
      expect(result.output.readUInt32LE(4)).toBe(~i >>> 0);
    });
    const stats = await device.stats();
    expect(stats.receiveBatchMax).toBeGreaterThan(1);
    expect(stats.replyBatchMax).toBeGreaterThan(1);
    expect(agent.handled).toBe(1000);
    await agent.detach();
    // Nothing left behind but this file's own context: the host's context and its chunk list, and
    // the miniport's context (in its own pool, which the tracker counts).
    const after = await waitFor(() => device.stats(), (s) => s.hostMessages === 0 && s.irpsPending === 0, 10_000, 'drain');
    expect(after).toMatchObject({ miniportBlocks: 0, messagesAwaitingCallback: 0, hostContexts: 1, miniportContexts: 1 });
    expect(after.allocationsOutstanding).toBe(after.fileContexts + 1 + contract.limits.chunkListInitial);
    expect(after.miniportPoolOutstanding).toBe(after.miniportPoolAtStart + 1);
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
