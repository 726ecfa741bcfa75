// Session semantics (the UMD's StartMiracastSession / StopMiracastSession) and what DestroyContext
// and a vanishing agent do to outstanding messages. Valid in both lanes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiracastAgent, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { expectIdle, resetDriver, settled, traceKinds, waitFor } from './helpers';

let device: MiracastDevice;
let umd: MiracastDevice;
let context: MiracastContext;
let received: string[];
let agent: MiracastAgent;

beforeEach(async () => {
  device = await openDevice();
  umd = await openDevice();
  context = await device.createContext();
  received = [];
  // Answers at once, except messages starting with "hold": those stay in its hands.
  agent = await umd.attachAgent(({ input }) => {
    received.push(input.toString());
    if (input.toString().startsWith('hold')) return new Promise(() => {});
    return { output: Buffer.from(`re:${input}`) };
  }, { manualSessions: true });
});
afterEach(async () => {
  await umd.close();
  if (!context.destroyed) await context.destroy();
  await resetDriver(device);
  await expectIdle(device);
  await device.close();
});

const stat = async (name: 'messagesHeld' | 'messagesQueued' | 'messagesDelivered') => (await device.stats())[name];

describe('session start', () => {
  it('holds messages sent before the session starts, and delivers them in order when it starts', async () => {
    const sends = ['one', 'two', 'three'].map((s) => settled(context.sendMessage(Buffer.from(s), { outputSize: 16 })));
    await waitFor(() => stat('messagesHeld'), (n) => n === 3, 5000, 'three held messages');
    expect(received).toEqual([]);
    await agent.startSession(context);
    const results = await Promise.all(sends);
    expect(received).toEqual(['one', 'two', 'three']);
    expect(results.map((r) => r.status === 'fulfilled' && r.value.output.toString())).toEqual(['re:one', 're:two', 're:three']);
    expect(await stat('messagesHeld')).toBe(0);
  });

  it('starting twice fails with STATUS_DEVICE_NOT_READY; stopping before starting with STATUS_INVALID_DEVICE_STATE', async () => {
    await expect(agent.stopSession(context)).rejects.toMatchObject({ status: contract.statuses.SESSION_STATE, operation: 'stopSession' });
    await agent.startSession(context);
    await expect(agent.startSession(context)).rejects.toMatchObject({ status: NtStatus.STATUS_DEVICE_NOT_READY });
    await agent.stopSession(context);
    await expect(agent.startSession(context)).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_DEVICE_STATE });
  });

  it('only the agent starts sessions, and only for contexts that exist', async () => {
    await expect(agent.startSession(999_999)).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_HANDLE });
    await expect(agent.startSession('1' as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('session stop', () => {
  it('messages sent after stop are dropped: the callback gets STATUS_CANCELLED', async () => {
    await agent.startSession(context);
    expect((await context.sendMessage(Buffer.from('live'), { outputSize: 8 })).output.toString()).toBe('re:live');
    await agent.stopSession(context);
    const before = await device.stats();
    const late = await context.sendMessage(Buffer.from('late'), { outputSize: 8 });
    expect(late).toEqual({ status: contract.statuses.SESSION_DROPPED, information: 0, output: Buffer.alloc(0) });
    expect(late.status).toBe(NtStatus.STATUS_CANCELLED);
    expect(received).toEqual(['live']);
    const after = await device.stats();
    expect(after.callbacksRun - before.callbacksRun).toBe(1);
    expect(after.messagesDropped - before.messagesDropped).toBe(1);
  });

  it('messages queued but not yet delivered when the session stops are dropped too', async () => {
    // One receive in flight: the first send completes it, and until this thread runs again the
    // agent cannot ask for more, so the sends after it wait in the driver's queue when the stop
    // (issued in the same turn, and handled in order) arrives.
    await umd.close();
    umd = await openDevice();
    agent = await umd.attachAgent(({ input }) => {
      received.push(input.toString());
      return { output: Buffer.from('ok') };
    }, { manualSessions: true, receiveDepth: 1 });
    await agent.startSession(context);
    await waitFor(() => device.stats(), (s) => s.irpsPending === 1, 5000, 'the agent\'s one receive');
    const before = await device.stats();
    const sends = Array.from({ length: 20 }, (_, i) => settled(context.sendMessage(Buffer.from(`m${i}`), { outputSize: 4 })));
    const stopped = settled(agent.stopSession(context));
    const results = await Promise.all(sends);
    expect(await stopped).toMatchObject({ status: 'fulfilled' });
    const statuses = results.map((r) => (r.status === 'fulfilled' ? r.value.status : 'rejected'));
    const answered = statuses.filter((status) => status === NtStatus.STATUS_SUCCESS).length;
    const dropped = statuses.filter((status) => status === contract.statuses.SESSION_DROPPED).length;
    expect(answered + dropped, `statuses: ${statuses.join(', ')}`).toBe(20);
    expect(dropped, 'messages were waiting in the queue at the stop').toBeGreaterThan(0);
    expect(answered).toBe(received.length);   // exactly the delivered ones were answered
    expect((await device.stats()).messagesDropped - before.messagesDropped).toBe(dropped);
  });
});

describe('DestroyContext', () => {
  it('completes a message in the agent\'s hands through its callback with STATUS_INSTANCE_NOT_AVAILABLE, before the DDI', async () => {
    const held = settled(context.sendMessage(Buffer.from('held'), { outputSize: 16 }));
    await waitFor(() => stat('messagesHeld'), (n) => n === 1, 5000, 'held');
    await agent.startSession(context);   // delivers "held"; it is answered
    expect(await held).toMatchObject({ status: 'fulfilled', value: { output: Buffer.from('re:held') } });
    const inHand = settled(context.sendMessage(Buffer.from('hold this'), { outputSize: 4 }));
    await waitFor(() => stat('messagesDelivered'), (n) => n === 1, 5000, 'delivery');
    const mark = await device.traceMark();
    const before = await device.stats();
    await context.destroy();
    expect(await inHand).toEqual({ status: 'fulfilled', value: { status: contract.statuses.CONTEXT_DESTROYED, information: 0, output: Buffer.alloc(0) } });
    expect((await device.stats()).callbacksRun - before.callbacksRun).toBe(1);
    const kinds = traceKinds((await device.trace({ since: mark })).events, context.id);
    // The callback ran before the miniport's DestroyContext, which indicated monitor departure.
    expect(kinds).toEqual([
      'callback dropped STATUS_INSTANCE_NOT_AVAILABLE', 'enter destroyContext', 'hpd depart', 'exit destroyContext STATUS_SUCCESS',
    ]);
  });

  it('a message held before its session started is completed too', async () => {
    const held = settled(context.sendMessage(Buffer.from('never started'), { outputSize: 4 }));
    await waitFor(() => stat('messagesHeld'), (n) => n === 1, 5000, 'held');
    await context.destroy();
    expect(await held).toMatchObject({ status: 'fulfilled', value: { status: NtStatus.STATUS_INSTANCE_NOT_AVAILABLE } });
    expect(received).toEqual([]);
  });

  it('a message the responder holds is completed too, and no IoControl reaches the miniport after DestroyContext', async () => {
    await agent.detach();
    await device.configureResponder({ enabled: true, delayMs: 10_000 });
    const atResponder = settled(context.sendMessage(Buffer.from('slow'), { outputSize: 4 }));
    await waitFor(() => stat('messagesDelivered'), (n) => n === 1, 5000, 'the responder to hold it');
    const mark = await device.traceMark();
    await context.destroy();
    expect(await atResponder).toMatchObject({ status: 'fulfilled', value: { status: NtStatus.STATUS_INSTANCE_NOT_AVAILABLE } });
    await expect(context.ioControl(Buffer.alloc(16))).rejects.toMatchObject({ status: NtStatus.STATUS_INVALID_HANDLE });
    const events = (await device.trace({ since: mark })).events;
    const destroyed = events.findIndex((e) => e.kind === 'ddiExit' && e.ddi === 'destroyContext');
    expect(destroyed).toBeGreaterThanOrEqual(0);
    expect(events.slice(destroyed).some((e) => e.kind === 'ddiEnter' && e.ddi === 'ioControl')).toBe(false);
  });
});

describe('an agent that goes away', () => {
  it('detaching completes held and delivered messages with STATUS_DEVICE_REMOVED; later sends fail at once', async () => {
    const held = settled(context.sendMessage(Buffer.from('held'), { outputSize: 4 }));
    await waitFor(() => stat('messagesHeld'), (n) => n === 1, 5000, 'held');
    await agent.detach();
    expect(await held).toMatchObject({ status: 'fulfilled', value: { status: contract.statuses.AGENT_GONE } });
    await expect(context.sendMessage(Buffer.from('x'))).rejects.toMatchObject({ status: NtStatus.STATUS_DEVICE_REMOVED });
  });

  it('closing the agent\'s handle does the same', async () => {
    await agent.startSession(context);
    const inHand = settled(context.sendMessage(Buffer.from('hold in hand'), { outputSize: 4 }));
    await waitFor(() => stat('messagesDelivered'), (n) => n === 1, 5000, 'delivery');
    await umd.close();
    expect(await inHand).toMatchObject({ status: 'fulfilled', value: { status: NtStatus.STATUS_DEVICE_REMOVED } });
    expect((await device.stats()).agentAttached).toBe(0);
  });
});
