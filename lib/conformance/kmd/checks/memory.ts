// Memory and time, as the host's instruments see them: the pool tracker (a buffer freed before
// its callback, written after its free, freed twice, left behind) and the DDI watchdog. Each
// reads what the host detected in its own window, never what the miniport says about itself.
import type { PoolFinding } from '../../../hosted';
import type { MiracastContext } from '../../../context';
import { outcome, statusOf, type KmdCheck } from '../check-context';
import { describeViolation, reportViolations, violationsOf } from '../violations';

const sendTimeoutMs = 10_000;

/**
 * Sends one message through the hooks and waits for its callback. A send the host refuses is
 * another rule's finding (kmd.create.callbacks-copied, kmd.send.*): this rule then cannot be shown.
 */
async function sendOrNotApplicable(c: KmdCheck, context: MiracastContext, text: string, what: string): Promise<void> {
  const sent = await outcome(c.within(context.sendMessage(Buffer.from(text), { outputSize: 8 }), sendTimeoutMs, what));
  if (sent.ok) return;
  if (statusOf(sent.error) === undefined) throw sent.error;
  c.notApplicable(`the miniport's messages are not delivered (${(sent.error as Error).message}): this rule needs delivered messages`);
}

/** Pool findings of `kinds` the tracker made since `since` (flushing the quarantine first). */
async function poolFindings(c: KmdCheck, since: number, kinds: readonly PoolFinding['kind'][]): Promise<PoolFinding[]> {
  const report = await c.device.pool({ since, flush: true });
  return report.findings.filter((f) => kinds.includes(f.kind));
}

const describeFinding = (f: PoolFinding) =>
  `pool finding ${f.sequence}: ${f.kind} (${f.description}), tag ${f.tag}, ${f.size} bytes, offset ${f.offset}, allocation ${f.allocation}`;

/**
 * No buffer freed before its callback nor written after its free: the miniport sends messages of
 * its own (the hooks' SEND_MESSAGES, with output buffers) that the responder answers; the host
 * checks each output buffer against the tracker's quarantine before it copies the answer, and the
 * quarantine, flushed at the end, shows any write after a free.
 */
export async function checkNoWriteAfterFree(c: KmdCheck): Promise<void> {
  const poolMark = (await c.device.pool()).nextSequence;
  await c.device.configureResponder({ enabled: true });
  const before = await c.stats();
  const context = await c.device.createContext();
  const count = 8;
  try {
    const sent = await context.miniport.sendMessages(count, { inputSize: 16, outputSize: 32 });
    c.evidence(`the miniport sent ${sent.sent} message(s) of its own with 32-byte output buffers (${sent.failed} failed)`);
    await c.waitFor(() => c.stats(), (s) => s.callbacksRun - before.callbacksRun >= sent.sent, 'the messages\' callbacks', sendTimeoutMs);
  } finally {
    await context.destroy();
  }
  await reportViolations(c, ['FREED_BEFORE_CALLBACK'],
    () => 'the miniport freed a message\'s output buffer before its callback ran (the host found it in the tracker\'s quarantine when it came to copy the answer)');
  for (const f of await poolFindings(c, poolMark, ['writeAfterFree'])) {
    c.finding(`a block of the miniport's changed after it was freed (tag ${f.tag}, first changed byte at offset ${f.offset})`, [describeFinding(f)]);
  }
}

/**
 * No block is freed twice, including in the callback-before-return race: messages whose callback
 * the host runs before DxgkCbMiracastSendMessage returns (its CALLBACK_INLINE fault, this check's
 * instrument), then the tracker's double frees and frees of unknown pointers.
 */
export async function checkFreedOnce(c: KmdCheck): Promise<void> {
  const poolMark = (await c.device.pool()).nextSequence;
  const count = 4;
  const context = await c.device.createContext();
  try {
    await c.device.injectFault({ kind: 'callbackInline', count });
    for (let i = 0; i < count; i++) await sendOrNotApplicable(c, context, `once ${i}`, 'a send whose callback runs before it returns');
    await c.device.configureResponder({ enabled: true });
    for (let i = 0; i < count; i++) await sendOrNotApplicable(c, context, `later ${i}`, 'a send answered later');
  } finally {
    await context.destroy();
  }
  c.evidence(`${count} sends whose callback ran before DxgkCbMiracastSendMessage returned, ${count} answered after`);
  const found = await poolFindings(c, poolMark, ['doubleFree', 'unknownPointer']);
  for (const f of found) c.finding(`the miniport freed a block ${f.kind === 'doubleFree' ? 'twice' : 'it was never given'} (tag ${f.tag})`, [describeFinding(f)]);
  if (found.length === 0) c.evidence('the pool tracker found no double free and no free of an unknown pointer');
}

/**
 * Nothing the miniport allocated is left at DestroyContext: once the last context is destroyed
 * the host compares the miniport's pool with its level after the adapter started (a
 * LEAK_AT_DESTROY); at unload the tracker reports and frees what is still held.
 */
export async function checkNoLeak(c: KmdCheck): Promise<void> {
  await c.device.configureResponder({ enabled: true });
  const context = await c.device.createContext();
  const count = 4;
  try {
    if (c.hooks) {
      for (let i = 0; i < count; i++) await sendOrNotApplicable(c, context, `leak ${i}`, 'a send');
      c.evidence(`${count} messages sent and answered`);
    }
  } finally {
    await context.destroy();
  }
  const stats = await c.stats();
  c.evidence(`after DestroyContext the miniport holds ${stats.miniportPoolOutstanding} pool block(s); ${stats.miniportPoolAtStart} once its adapter had started`);
  await reportViolations(c, ['LEAK_AT_DESTROY'],
    (e) => `once its last context was destroyed the miniport still held ${e.arg0} pool block(s) more than after its adapter started: a leak`);
}

/** No DDI ran longer than the host's bound, over the whole run so far (this rule runs near the end). */
export async function checkDdiBounded(c: KmdCheck): Promise<void> {
  const overruns = violationsOf(await c.runEvents(), ['DDI_OVERRUN']);
  const names: Record<number, string> = { 1: 'QueryCaps', 2: 'CreateContext', 3: 'DestroyContext', 4: 'IoControl' };
  c.evidence(`the host's watchdog bound: ${c.constants.ddiBoundMs} ms per DDI call; overruns seen in the run: ${overruns.length}`);
  for (const e of overruns) {
    c.finding(`DxgkDdiMiracast${names[e.arg1] ?? `#${e.arg1}`} ran ${e.arg0} ms, longer than the bound of ${c.constants.ddiBoundMs} ms`,
      [describeViolation(c, e)]);
  }
}
