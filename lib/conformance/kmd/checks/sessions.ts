// Sessions and the user-mode side, through an agent playing the Miracast UMD: messages held
// until the session starts, dropped during and after stop, completed by DestroyContext, handed to
// HandleKernelModeMessage concurrently; and HLK-style connect/disconnect cycles.
import { NtStatus, ntStatusName } from '../../../ntstatus';
import type { AgentMessage, AgentReply } from '../../../agent';
import type { TraceEvent } from '../../../trace';
import type { SendMessageResult } from '../../../types';
import { outcome, type KmdCheck } from '../check-context';

const sendTimeoutMs = 10_000;

/** An agent on its own handle that records what it receives; `hold` decides which messages it keeps unanswered. */
async function recordingAgent(c: KmdCheck, options: { manualSessions: boolean; hold?: (text: string) => boolean }) {
  const umd = await c.openHandle();
  const received: string[] = [];
  const held: (() => void)[] = [];
  const agent = await umd.attachAgent((message: AgentMessage): AgentReply | Promise<AgentReply> => {
    const text = message.input.toString();
    received.push(text);
    if (options.hold?.(text)) return new Promise((resolve) => held.push(() => resolve({ output: Buffer.from(`re:${text}`) })));
    return { output: Buffer.from(`re:${text}`) };
  }, { manualSessions: options.manualSessions, ref: false });
  return { umd, agent, received, held };
}

/** DestroyContext completes every outstanding message through its callback, with an error status, before the DDI. */
export async function checkDestroyCompletesOutstanding(c: KmdCheck): Promise<void> {
  const { agent, received } = await recordingAgent(c, { manualSessions: true, hold: (t) => t.startsWith('hold') });
  const context = await c.device.createContext();
  const heldBefore = (await c.stats()).messagesHeld;
  // Two messages held (no session yet), then the session starts and a third stays in the agent's hands.
  const early = ['wait1', 'wait2'].map((t) => outcome(context.sendMessage(Buffer.from(t), { outputSize: 8, timeoutMs: sendTimeoutMs })));
  await c.waitFor(() => c.stats(), (s) => s.messagesHeld - heldBefore === 2, 'two messages held before the session');
  await context.destroy();
  const heldResults = await Promise.all(early);
  // The same with a message the agent holds.
  const second = await c.device.createContext();
  await agent.startSession(second);
  const inHands = outcome(second.sendMessage(Buffer.from('hold me'), { outputSize: 8, timeoutMs: sendTimeoutMs }));
  await c.waitFor(async () => received.length, (n) => n === 1, 'the agent to receive the message');
  await second.destroy();
  const results = [...heldResults, await inHands];
  const expected = c.constants.statuses.CONTEXT_DESTROYED;
  results.forEach((r, i) => {
    const what = ['the first held message', 'the second held message', 'the message in the agent\'s hands'][i];
    if (!r.ok) c.finding(`${what} did not complete through its callback at DestroyContext: ${(r.error as Error).message}`);
    else if (r.value.status !== expected) {
      c.finding(`${what} completed with ${ntStatusName(r.value.status)}, not an error status (${ntStatusName(expected)}), at DestroyContext`);
    }
  });
  const events = await c.trace();
  for (const destroyed of [context, second]) {
    const destroyEnter = events.find((e) => e.kind === 'ddiEnter' && e.ddi === 'destroyContext' && e.contextId === destroyed.id);
    if (!destroyEnter) throw new Error(`the trace has no DestroyContext for context ${destroyed.id}`);
    const late = events.filter((e) => e.kind === 'callback' && e.contextId === destroyed.id && e.sequence > destroyEnter.sequence);
    if (late.length > 0) c.finding(`${late.length} callback(s) of context ${destroyed.id} ran after DestroyContext entered the miniport`);
  }
  c.evidence(`outstanding at DestroyContext: ${results.map((r) => (r.ok ? ntStatusName(r.value.status) : 'rejected')).join(', ')}`);
}

/** Messages are not delivered before the session starts: held, then delivered in order. */
export async function checkHeldUntilStart(c: KmdCheck): Promise<void> {
  const { agent, received } = await recordingAgent(c, { manualSessions: true });
  const context = await c.device.createContext();
  const heldBefore = (await c.stats()).messagesHeld;
  const texts = ['one', 'two', 'three'];
  const sends = texts.map((t) => context.sendMessage(Buffer.from(t), { outputSize: 16, timeoutMs: sendTimeoutMs }));
  await c.waitFor(() => c.stats(), (s) => s.messagesHeld - heldBefore === texts.length, 'three messages held');
  if (received.length > 0) c.finding(`the agent received ${received.length} message(s) before its session started`);
  await agent.startSession(context);
  const results = await Promise.all(sends);
  c.evidence(`delivered after the start, in this order: ${received.join(', ')}`);
  if (received.join() !== texts.join()) c.finding(`held messages were delivered as ${received.join(', ')}, not in the order sent`);
  results.forEach((r, i) => {
    if (r.output.toString() !== `re:${texts[i]}`) c.finding(`message '${texts[i]}' got the answer '${r.output}'`);
  });
}

/** Messages sent during or after stop are dropped; the callback gets an error status. */
export async function checkDroppedAfterStop(c: KmdCheck): Promise<void> {
  const { agent, received } = await recordingAgent(c, { manualSessions: true });
  const context = await c.device.createContext();
  await agent.startSession(context);
  const answered = await context.sendMessage(Buffer.from('live'), { outputSize: 16, timeoutMs: sendTimeoutMs });
  await agent.stopSession(context);
  const dropped: SendMessageResult[] = [];
  for (const text of ['late1', 'late2']) dropped.push(await context.sendMessage(Buffer.from(text), { outputSize: 16, timeoutMs: sendTimeoutMs }));
  c.evidence(`before stop: ${ntStatusName(answered.status)}; after stop: ${dropped.map((r) => ntStatusName(r.status)).join(', ')}`);
  if (answered.status !== NtStatus.STATUS_SUCCESS) c.finding(`a message in a started session completed with ${ntStatusName(answered.status)}`);
  for (const r of dropped) {
    if (r.status < 0xc0000000) c.finding(`a message sent after stop completed with ${ntStatusName(r.status)}, not an error status`);
  }
  if (received.some((t) => t.startsWith('late'))) c.finding('a message sent after stop reached the UMD');
}

/** HandleKernelModeMessage may be called concurrently: the host delivers without waiting for earlier answers. */
export async function checkConcurrentHandling(c: KmdCheck): Promise<void> {
  const count = 6;
  const { held } = await recordingAgent(c, { manualSessions: false, hold: () => true });
  const context = await c.device.createContext();
  const sends = Array.from({ length: count }, (_, i) => outcome(context.sendMessage(Buffer.from(`m${i}`), { outputSize: 8, timeoutMs: sendTimeoutMs })));
  const inside = await c.waitFor(async () => held.length, (n) => n === count, `${count} messages in the handler at once`, 10_000)
    .catch(() => held.length);
  for (const answer of held) answer();
  await Promise.all(sends);
  c.evidence(`${inside} message(s) were in the agent's handler at the same time`);
  if (inside < count) c.finding(`only ${inside} of ${count} messages reached HandleKernelModeMessage before the first was answered: delivery was serialized`);
}

function compact(events: readonly TraceEvent[], contextId: number): string[] {
  return events.filter((e) => e.contextId === contextId).map((e) => {
    switch (e.kind) {
      case 'ddiEnter': return `enter ${e.ddi}`;
      case 'ddiExit': return `exit ${e.ddi} ${e.statusName}`;
      case 'callback': return `callback ${e.answer} ${e.statusName}`;
      case 'hpd': return `hpd ${e.connected ? 'arrive' : 'depart'}`;
      case 'session': return `session ${e.action} ${e.statusName}`;
      case 'send': return `send ${e.statusName}`;
      default: return e.kind;
    }
  });
}

/** HLK "session connect and disconnect": create, start, messages both ways, stop, destroy, again and again. */
export async function checkSessionCycles(c: KmdCheck): Promise<void> {
  const { agent } = await recordingAgent(c, { manualSessions: true });
  const cycles = 5;
  const expected = [
    'enter createContext', 'exit createContext STATUS_SUCCESS', 'session start STATUS_SUCCESS',
    'enter ioControl', 'hpd arrive', 'exit ioControl STATUS_SUCCESS',
    'send STATUS_PENDING', 'deliver', 'callback agent STATUS_SUCCESS',
    'enter ioControl', 'exit ioControl STATUS_SUCCESS', 'session stop STATUS_SUCCESS',
    'enter destroyContext', 'hpd depart', 'exit destroyContext STATUS_SUCCESS',
  ];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const mark = await c.traceMark();
    const context = await c.device.createContext();
    try {
      await agent.startSession(context);
      await context.miniport.monitorArrive();
      const reply = await context.sendMessage(Buffer.from(`frame ${cycle}`), { outputSize: 16, timeoutMs: sendTimeoutMs });
      if (reply.output.toString() !== `re:frame ${cycle}`) c.finding(`cycle ${cycle}: the message's answer was '${reply.output}'`);
      await context.miniport.echo(Buffer.from('stats'));
      await agent.stopSession(context);
    } finally {
      await context.destroy();
    }
    const seen = compact(await c.trace(mark), context.id);
    if (seen.join('|') !== expected.join('|')) {
      c.finding(`cycle ${cycle}: the DDI sequence differs from a clean connect and disconnect`, [`seen:     ${seen.join(', ')}`, `expected: ${expected.join(', ')}`]);
    }
  }
  c.evidence(`${cycles} cycles of create, start, arrival, a message each way, stop, destroy`);
}

/**
 * A new agent is a new UMD host: after an agent that stopped a session goes away, an automatic
 * agent starts the session again, and a manual-sessions agent holds its messages until it starts it.
 */
export async function checkNewAgentNewHost(c: KmdCheck): Promise<void> {
  const context = await c.device.createContext();
  const first = await recordingAgent(c, { manualSessions: false });
  await first.agent.stopSession(context);
  const dropped = await context.sendMessage(Buffer.from('to the stopped session'), { outputSize: 8, timeoutMs: sendTimeoutMs });
  if (dropped.status < 0xc0000000) c.notApplicable(`a message to the stopped session completed with ${ntStatusName(dropped.status)}: the stop did not take`);
  await first.umd.close();

  const automatic = await recordingAgent(c, { manualSessions: false });
  const answered = await outcome(context.sendMessage(Buffer.from('after'), { outputSize: 16, timeoutMs: sendTimeoutMs }));
  if (!answered.ok || answered.value.status !== NtStatus.STATUS_SUCCESS || answered.value.output.toString() !== 're:after') {
    c.finding('after the agent that stopped the session went away, a new automatic agent did not get the context\'s message: ' +
      (answered.ok ? `${ntStatusName(answered.value.status)}, '${answered.value.output}'` : (answered.error as Error).message));
  } else c.evidence('a new automatic agent started the session its predecessor had stopped');
  await automatic.agent.stopSession(context);
  await automatic.umd.close();

  const manual = await recordingAgent(c, { manualSessions: true });
  const heldBefore = (await c.stats()).messagesHeld;
  const held = context.sendMessage(Buffer.from('held'), { outputSize: 16, timeoutMs: sendTimeoutMs });
  await c.waitFor(() => c.stats(), (s) => s.messagesHeld - heldBefore === 1, 'the message held for the manual agent');
  if (manual.received.length > 0) c.finding('a new manual-sessions agent received a message before it started the session');
  await manual.agent.startSession(context);
  const result = await held;
  if (result.status !== NtStatus.STATUS_SUCCESS || manual.received.join() !== 'held') {
    c.finding(`the message held for the manual-sessions agent completed with ${ntStatusName(result.status)} after startSession`);
  } else c.evidence('a new manual-sessions agent got the held message once it started the session');
  await context.destroy();
}

/** Every message the agent received gets an answer: its reply, or an error status when the handler fails or the reply is refused. */
export async function checkEveryMessageAnswered(c: KmdCheck): Promise<void> {
  const umd = await c.openHandle();
  const errors: unknown[] = [];
  await umd.attachAgent(({ input }) => {
    const text = input.toString();
    if (text === 'throw') throw new Error('the handler failed on purpose');
    if (text === 'too long') return { output: Buffer.alloc(64) };
    return { output: Buffer.from(`re:${text}`) };
  }, { ref: false, onError: (error) => void errors.push(error) });
  const context = await c.device.createContext();
  try {
    const send = (text: string) => context.sendMessage(Buffer.from(text), { outputSize: 16, timeoutMs: sendTimeoutMs });
    const [ok, thrown, tooLong] = await Promise.all([send('fine'), send('throw'), send('too long')]);
    await c.device.injectFault({ kind: 'replyRefuse', status: NtStatus.STATUS_INVALID_BUFFER_SIZE, count: 1 });
    const refused = await send('refused');
    c.evidence(`answers: ${[ok, thrown, tooLong, refused].map((r) => ntStatusName(r.status)).join(', ')}; ${errors.length} reported to onError`);
    if (ok.status !== NtStatus.STATUS_SUCCESS || ok.output.toString() !== 're:fine') c.finding(`a plain reply arrived as ${ntStatusName(ok.status)} '${ok.output}'`);
    if (thrown.status !== c.constants.statuses.HANDLER_FAILED) c.finding(`a throwing handler's message completed with ${ntStatusName(thrown.status)}`);
    if (tooLong.status < 0xc0000000) c.finding(`a reply longer than the output buffer completed with ${ntStatusName(tooLong.status)}, not an error`);
    if (refused.status !== NtStatus.STATUS_INVALID_BUFFER_SIZE) c.finding(`a refused reply's message completed with ${ntStatusName(refused.status)}`);
    if (errors.length !== 3) c.finding(`${errors.length} failure(s) were reported to the agent's onError for the 3 the handler and the driver made`);
  } finally {
    await c.device.resetFaults();
    await context.destroy();
  }
}
