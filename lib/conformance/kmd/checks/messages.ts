// DxgkCbMiracastSendMessage and its callback, through the test hooks (the miniport sends with its
// own buffers when asked): the copied callbacks table, STATUS_PENDING, no host, failures before
// delivery, buffers held until the callback, and callbacks that come early, late, together, out
// of order or with any status. The miniport must stay correct through all of them.
import { NtStatus, ntStatusName } from '../../../ntstatus';
import type { MiracastContext } from '../../../context';
import type { MiniportState, SendMessageResult } from '../../../types';
import { describeViolation, violationsOf } from '../violations';
import { outcome, statusOf, type KmdCheck } from '../check-context';

const sendTimeoutMs = 10_000;

function send(context: MiracastContext, text: string, outputSize = 16): Promise<SendMessageResult> {
  return context.sendMessage(Buffer.from(text), { outputSize, timeoutMs: sendTimeoutMs });
}

/** The miniport's block accounting moved as it must: every block freed, none completed twice. */
function checkBlocks(c: KmdCheck, before: MiniportState, after: MiniportState, expectCallbacks: number | undefined): void {
  // Deltas: what an earlier check leaked is that check's finding, not this one's.
  const bad = after.badCallbacks - before.badCallbacks;
  const outstanding = after.blocksOutstanding - before.blocksOutstanding;
  const callbacks = after.callbacksRun - before.callbacksRun;
  c.evidence(`miniport: ${callbacks} callback(s) run, ${outstanding} block(s) outstanding, ${bad} callback(s) on a dead block`);
  if (bad > 0) c.finding(`${bad} callback(s) reached a send block that was no longer live: a block completed twice or freed early`);
  if (outstanding !== 0) c.finding(`the miniport still holds ${outstanding} send block(s) after every callback ran`);
  if (expectCallbacks !== undefined && callbacks !== expectCallbacks) {
    c.finding(`the miniport counted ${callbacks} callback(s) for ${expectCallbacks} message(s)`);
  }
}

/**
 * Runs `body` on a fresh context between two reads of the miniport's own state; the faults the
 * body armed are reset and the context destroyed whatever happens.
 */
async function aroundState(c: KmdCheck, body: (context: MiracastContext, before: MiniportState) => Promise<void>):
    Promise<{ before: MiniportState; after: MiniportState; context: MiracastContext }> {
  const context = await c.device.createContext();
  try {
    const before = await context.miniport.readState();
    await body(context, before);
    return { before, after: await context.miniport.readState(), context };
  } finally {
    await c.device.resetFaults();
    await context.destroy();
  }
}

/** CreateContext copied the callbacks table: sends after it (the host scribbled its stack copy) work. */
export async function checkCallbacksCopied(c: KmdCheck): Promise<void> {
  await c.device.configureResponder({ enabled: true });
  for (let round = 0; round < 2; round++) {
    const context = await c.device.createContext();
    try {
      const sent = await outcome(c.within(send(context, `copy ${round}`), sendTimeoutMs + 5000, 'a send after CreateContext'));
      if (!sent.ok) {
        c.finding(`a message sent after CreateContext returned failed (${(sent.error as Error).message}): the miniport ` +
          'used the callbacks table by pointer after the call (the host overwrites its stack copy once CreateContext returns)');
      } else if (sent.value.output.toString() !== `copy ${round}`) {
        c.finding(`the message's answer came back as '${sent.value.output}', not the echo of 'copy ${round}'`);
      } else {
        c.evidence(`context ${context.id}: a send after CreateContext returned was delivered and answered`);
      }
    } finally {
      await context.destroy();
    }
  }
  const stale = violationsOf(await c.trace(), ['STALE_CALLBACKS']);
  for (const e of stale) c.evidence(`the host's trap for the scribbled table: ${describeViolation(c, e)}`);
}

/** DxgkCbMiracastSendMessage returns STATUS_PENDING when it takes the message; its callback follows. */
export async function checkSendPending(c: KmdCheck): Promise<void> {
  await c.device.configureResponder({ enabled: true });
  const context = await c.device.createContext();
  try {
    await send(context, 'pending');
  } finally {
    await context.destroy();
  }
  const events = (await c.trace()).filter((e) => e.contextId === context.id && (e.kind === 'send' || e.kind === 'callback'));
  const sent = events.find((e) => e.kind === 'send');
  if (!sent) throw new Error('the trace has no send for the message');
  c.evidence(`trace: ${events.map((e) => `${e.kind} ${e.statusName}`).join(', ')}`);
  if (sent.status !== NtStatus.STATUS_PENDING) c.finding(`DxgkCbMiracastSendMessage returned ${sent.statusName}, not STATUS_PENDING, for a delivered message`);
  if (!events.some((e) => e.kind === 'callback' && e.messageId === sent.messageId)) c.finding('no callback followed the accepted message');
}

/** With no UMD host attached a send fails at once with STATUS_DEVICE_REMOVED and no callback; the miniport frees its buffers itself. */
export async function checkNoHost(c: KmdCheck): Promise<void> {
  const { before, after, context } = await aroundState(c, async (ctx) => {
    const result = await outcome(send(ctx, 'nobody'));
    if (result.ok) c.finding('a send with no agent and no responder was taken and answered');
    else if (statusOf(result.error) !== NtStatus.STATUS_DEVICE_REMOVED) {
      c.finding(`a send with no UMD host failed with ${statusOf(result.error) === undefined ? (result.error as Error).message
        : ntStatusName(statusOf(result.error)!)}, not STATUS_DEVICE_REMOVED`);
    } else c.evidence('a send with no UMD host: STATUS_DEVICE_REMOVED');
  });
  const callbacks = (await c.trace()).filter((e) => e.kind === 'callback' && e.contextId === context.id);
  if (callbacks.length > 0) c.finding(`${callbacks.length} callback(s) ran for a message that was never delivered`);
  checkBlocks(c, before, after, 0);
}

/** A send that fails before delivery makes no callback, and the miniport frees its own buffers. */
export async function checkFailureFreesBuffers(c: KmdCheck): Promise<void> {
  const { before, after } = await aroundState(c, async (context) => {
    await c.device.injectFault({ kind: 'sendFail', status: NtStatus.STATUS_NO_MEMORY, count: 3 });
    const result = await context.miniport.sendMessages(3);
    c.evidence(`3 sends that the host failed: ${result.failed} failed (first ${ntStatusName(result.firstError)}), ${result.sent} sent`);
    if (result.failed !== 3) c.notApplicable(`the host failed ${result.failed} of 3 sends, so the check could not show the failure path`);
  });
  checkBlocks(c, before, after, 0);
}

/** The miniport holds its buffers until the callback, and frees each block exactly once. */
export async function checkBuffersHeld(c: KmdCheck): Promise<void> {
  const umd = await c.openHandle();
  const answers: (() => void)[] = [];
  await umd.attachAgent(({ input }) => new Promise((resolve) => {
    answers.push(() => resolve({ output: Buffer.from(input).reverse() }));
  }), { ref: false });
  const texts = ['alpha', 'bravo', 'charlie', 'delta'];
  const { before, after } = await aroundState(c, async (context, start) => {
    try {
      const sends = texts.map((t) => send(context, t));
      await c.waitFor(async () => answers.length, (n) => n === texts.length, 'the agent to hold every message');
      const during = await context.miniport.readState();
      const held = during.blocksOutstanding - start.blocksOutstanding;
      c.evidence(`while the agent held ${texts.length} messages the miniport held ${held} block(s)`);
      if (held < texts.length) {
        c.finding(`the miniport held ${held} send block(s) while ${texts.length} messages awaited their callbacks: ` +
          'it freed buffers the OS still writes the answer into');
      }
      for (const answer of answers) answer();
      const results = await Promise.all(sends);
      results.forEach((r, i) => {
        const expected = texts[i].split('').reverse().join('');
        if (r.output.toString() !== expected) c.finding(`message '${texts[i]}' got '${r.output}' in its output buffer, not '${expected}'`);
      });
    } finally {
      for (const answer of answers) answer();
    }
  });
  checkBlocks(c, before, after, texts.length);
}

/** Callbacks that run before DxgkCbMiracastSendMessage returns are handled (no double completion, nothing leaked). */
export async function checkCallbackBeforeReturn(c: KmdCheck): Promise<void> {
  const { before, after } = await aroundState(c, async (context) => {
    await c.device.injectFault({ kind: 'callbackInline', count: 4 });
    const results = await Promise.all(['a', 'bb', 'ccc', 'dddd'].map((t) => send(context, t)));
    c.evidence(`4 sends answered inline: ${results.map((r) => ntStatusName(r.status)).join(', ')}`);
  });
  const early = after.callbacksBeforeReturn - before.callbacksBeforeReturn;
  c.evidence(`the miniport saw ${early} callback(s) before the send returned`);
  if (early === 0) c.notApplicable('no callback ran before its send returned: the host did not apply CALLBACK_INLINE');
  checkBlocks(c, before, after, 4);
}

/** Callbacks that run at once on several threads are handled. */
export async function checkConcurrentCallbacks(c: KmdCheck): Promise<void> {
  await c.device.configureResponder({ enabled: true });
  const { before, after, context } = await aroundState(c, async (ctx) => {
    await c.device.injectFault({ kind: 'callbackConcurrent', batch: 4, count: 4 });
    await Promise.all(['w', 'x', 'y', 'z'].map((t) => send(ctx, t)));
  });
  const threads = new Set((await c.trace()).filter((e) => e.kind === 'callback' && e.contextId === context.id).map((e) => e.threadId));
  c.evidence(`4 callbacks released together ran on ${threads.size} thread(s)`);
  checkBlocks(c, before, after, 4);
}

/** Callbacks out of order, delayed, or with a status of the host's choosing reach the right message. */
export async function checkCallbackOrderDelayStatus(c: KmdCheck): Promise<void> {
  await c.device.configureResponder({ enabled: true });
  const { before, after } = await aroundState(c, async (context) => {
    const texts = ['first', 'second', 'third'];
    await c.device.injectFault({ kind: 'callbackReverse', batch: 3, count: 3 });
    const reversed = await Promise.all(texts.map((t) => send(context, t)));
    reversed.forEach((r, i) => {
      if (r.output.toString() !== texts[i]) c.finding(`out of order: message '${texts[i]}' received the answer '${r.output}'`);
    });
    await c.device.resetFaults();
    await c.device.injectFault({ kind: 'callbackDelay', delayMs: 50, count: 2 });
    const delayed = await Promise.all(['late1', 'late2'].map((t) => send(context, t)));
    if (delayed.some((r) => r.status !== NtStatus.STATUS_SUCCESS)) c.finding('a delayed callback carried another status than the answer\'s');
    await c.device.resetFaults();
    await c.device.injectFault({ kind: 'callbackStatus', status: NtStatus.STATUS_IO_DEVICE_ERROR, count: 1 });
    const failed = await send(context, 'status');
    if (failed.status !== NtStatus.STATUS_IO_DEVICE_ERROR) {
      c.finding(`the callback's status ${ntStatusName(failed.status)} is not the STATUS_IO_DEVICE_ERROR the host gave it`);
    }
    c.evidence('3 callbacks newest first, 2 delayed 50 ms, 1 with STATUS_IO_DEVICE_ERROR: each reached its own message');
  });
  checkBlocks(c, before, after, 6);
}

/** The answer is in the miniport's output buffer when its callback runs; Information says how much. */
export async function checkAnswerCopied(c: KmdCheck): Promise<void> {
  await c.device.configureResponder({ enabled: true });
  const context = await c.device.createContext();
  try {
    for (const [text, outputSize] of [['abcdef', 4], ['abcdef', 16], ['x', 0]] as const) {
      const result = await send(context, text, outputSize);
      const expected = text.slice(0, outputSize);
      c.evidence(`'${text}' with a ${outputSize}-byte output buffer: Information ${result.information}, output '${result.output}'`);
      if (result.output.toString() !== expected || result.information !== expected.length) {
        c.finding(`the callback of '${text}' (output buffer ${outputSize} bytes) saw Information ${result.information} and ` +
          `'${result.output}' in the buffer, where the answer was '${expected}'`);
      }
    }
  } finally {
    await context.destroy();
  }
}
