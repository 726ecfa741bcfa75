// A new agent is a new UMD host: when an agent detaches (or its handle closes), every context's
// session goes back to not-started, including one the departing agent stopped. An automatic agent
// then gets that context's messages; a manual-sessions agent holds them until startSession.
// Valid in both lanes.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDevice, NtStatus, contract, type MiracastAgent, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { useDevice, waitFor } from './helpers';

let device: MiracastDevice;
let context: MiracastContext;
useDevice((d) => (device = d), { idle: false });   // this file's context stays live
beforeAll(async () => {
  context = await device.createContext();
  return () => context.destroy();
});
afterEach(async () => {
  await waitFor(() => device.stats(), (s) => s.agentAttached === 0 && s.hostMessages === 0, 10_000, 'the agents gone');
});

const reply = (name: string) => ({ input }: { input: Buffer }) => ({ output: Buffer.from(`${name}:${input}`) });

/** Agent A answers, stops the context's session (a later send is dropped), then goes away. */
async function stoppedByAgentA(goAway: (umd: MiracastDevice, agent: MiracastAgent) => Promise<void>): Promise<void> {
  const umd = await openDevice();
  try {
    const agent = await umd.attachAgent(reply('A'));
    expect((await context.sendMessage(Buffer.from('1'), { outputSize: 8 })).output.toString()).toBe('A:1');
    await agent.stopSession(context);
    expect((await context.sendMessage(Buffer.from('2'), { outputSize: 8 })).status).toBe(contract.statuses.SESSION_DROPPED);
    await goAway(umd, agent);
    expect((await device.stats()).agentAttached).toBe(0);
  } finally {
    await umd.close();
  }
}

describe('after an agent stopped a session and went away', () => {
  it.each([
    ['detached', async (_umd: MiracastDevice, agent: MiracastAgent) => agent.detach()],
    ['closed its handle', async (umd: MiracastDevice) => umd.close()],
  ])('(%s) a new automatic agent gets the context\'s messages', async (_how, goAway) => {
    await stoppedByAgentA(goAway);
    const umd = await openDevice();
    try {
      const agent = await umd.attachAgent(reply('B'));
      const result = await context.sendMessage(Buffer.from('3'), { outputSize: 8, timeoutMs: 10_000 });
      expect(result).toEqual({ status: NtStatus.STATUS_SUCCESS, information: 3, output: Buffer.from('B:3') });
      // And it may stop the session itself: the session is its own, started.
      await agent.stopSession(context);
    } finally {
      await umd.close();
    }
  });

  it('a new manual-sessions agent holds the context\'s messages until startSession', async () => {
    await stoppedByAgentA((_umd, agent) => agent.detach());
    const umd = await openDevice();
    try {
      const received: string[] = [];
      const agent = await umd.attachAgent((message) => {
        received.push(message.input.toString());
        return reply('C')(message);
      }, { manualSessions: true });
      const before = await device.stats();
      const held = context.sendMessage(Buffer.from('4'), { outputSize: 8, timeoutMs: 10_000 });
      await waitFor(() => device.stats(), (s) => s.messagesHeld - before.messagesHeld === 1, 5000, 'the message held');
      expect(received).toEqual([]);
      await agent.startSession(context);
      expect(await held).toEqual({ status: NtStatus.STATUS_SUCCESS, information: 3, output: Buffer.from('C:4') });
      expect(received).toEqual(['4']);
    } finally {
      await umd.close();
    }
  });
});
