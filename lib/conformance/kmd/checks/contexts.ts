// CreateContext and DestroyContext: the TargetId, one context per Miracast target, the host's
// DestroyContext after a failed start, the departure indication, and no IoControl afterwards.
import { NtStatus, ntStatusName } from '../../../ntstatus';
import type { TraceEvent } from '../../../trace';
import { outcome, statusOf, type KmdCheck } from '../check-context';
import { describeViolation, violationsOf } from '../violations';

const hpdOf = (events: TraceEvent[]) => events.filter((e): e is Extract<TraceEvent, { kind: 'hpd' }> => e.kind === 'hpd');

/** The TargetId CreateContext returns is the child the miniport indicates its Miracast monitor on. */
export async function checkTargetId(c: KmdCheck): Promise<void> {
  const context = await c.device.createContext();
  const mark = await c.traceMark();
  try {
    if (c.hooks) await context.miniport.monitorArrive();
  } finally {
    await context.destroy();
  }
  const created = (await c.trace()).find((e) => e.kind === 'ddiExit' && e.ddi === 'createContext' && e.contextId === context.id);
  c.evidence(`CreateContext returned TargetId ${context.targetId} (trace: ${created?.kind === 'ddiExit' ? created.result : 'no exit recorded'})`);
  const indications = hpdOf(await c.trace(mark));
  if (indications.length === 0) {
    c.finding('the miniport made no hot-plug indication for its Miracast target (arrival or departure), so its TargetId cannot be matched to a child');
  }
  for (const e of indications) {
    c.evidence(`hot-plug ${e.connected ? 'arrival' : 'departure'} on child ${e.childUid}`);
    if (e.childUid !== context.targetId) {
      c.finding(`CreateContext returned TargetId ${context.targetId}, but the miniport indicated its Miracast monitor ` +
        `${e.connected ? 'arrival' : 'departure'} on child ${e.childUid}: the TargetId is not its Miracast target`);
    }
  }
}

/** With one Miracast target a second live context gets STATUS_RESOURCE_IN_USE; the target is free again after DestroyContext. */
export async function checkOneTarget(c: KmdCheck): Promise<void> {
  const other = await c.openHandle();
  const first = await c.device.createContext();
  try {
    const second = await outcome(other.createContext());
    if (second.ok) {
      c.finding(`a second context was accepted (TargetId ${second.value.targetId}) while the only Miracast target had a live ` +
        `one (TargetId ${first.targetId}): CreateContext must fail with STATUS_RESOURCE_IN_USE`);
      await second.value.destroy();
    } else if (statusOf(second.error) === undefined) {
      throw second.error;
    } else if (statusOf(second.error) !== NtStatus.STATUS_RESOURCE_IN_USE) {
      c.finding(`the second CreateContext failed with ${ntStatusName(statusOf(second.error)!)}, not STATUS_RESOURCE_IN_USE`);
    } else {
      c.evidence('a second CreateContext while the target was in use: STATUS_RESOURCE_IN_USE');
    }
  } finally {
    await first.destroy();
  }
  for (const e of violationsOf(await c.trace(), ['SECOND_CONTEXT'])) c.evidence(`the host saw it too: ${describeViolation(c, e)}`);
  const again = await outcome(other.createContext());
  if (!again.ok) {
    const status = statusOf(again.error);
    if (status === undefined) throw again.error;
    c.finding(`after DestroyContext freed the target, CreateContext failed with ${ntStatusName(status)}: the miniport did not release its target`);
  } else {
    c.evidence('after DestroyContext the target was free again: CreateContext succeeded');
    await again.value.destroy();
  }
}

/** A failure after CreateContext succeeded is followed by DestroyContext (the host, as dxgkrnl does). */
export async function checkDestroyAfterFailedStart(c: KmdCheck): Promise<void> {
  const injected = NtStatus.STATUS_INSUFFICIENT_RESOURCES;
  const before = await c.stats();
  await c.device.injectFault({ kind: 'createContextFail', status: injected, stage: 'afterMiniport', count: 1 });
  const result = await outcome(c.device.createContext());
  if (result.ok) {
    await result.value.destroy();
    c.notApplicable('the host did not apply its CREATE_CONTEXT_FAIL fault, so it cannot show what follows a failed start');
  }
  if (statusOf(result.error) !== injected) throw result.error;
  const ddis = (await c.trace()).filter((e) => e.kind === 'ddiEnter' || e.kind === 'ddiExit')
    .map((e) => `${e.kind === 'ddiEnter' ? 'enter' : 'exit'} ${e.ddi}${e.kind === 'ddiExit' ? ` ${e.statusName}` : ''} (context ${e.contextId})`);
  c.evidence(`trace: ${ddis.join(', ')}`);
  const created = ddis.findIndex((d) => d.startsWith('exit createContext STATUS_SUCCESS'));
  const destroyed = ddis.findIndex((d, i) => i > created && d.startsWith('enter destroyContext'));
  if (created < 0) c.notApplicable('the miniport\'s CreateContext did not succeed, so there was no start to fail');
  if (destroyed < 0) {
    c.finding('CreateContext succeeded and the start then failed, but the host never called DestroyContext: the miniport\'s context leaks');
  }
  const after = await c.stats();
  if (after.miniportContexts !== before.miniportContexts) {
    c.finding(`the miniport holds ${after.miniportContexts - before.miniportContexts} more context(s) than before the failed start`);
  }
}

/** DestroyContext indicates monitor departure (Connected = FALSE) for its target before it returns. */
export async function checkDepartureOnDestroy(c: KmdCheck): Promise<void> {
  const before = await c.stats();
  const context = await c.device.createContext();
  if (c.hooks) await context.miniport.monitorArrive();
  const mark = await c.traceMark();
  await context.destroy();
  const events = await c.trace(mark);
  const enter = events.find((e) => e.kind === 'ddiEnter' && e.ddi === 'destroyContext' && e.contextId === context.id);
  const exit = events.find((e) => e.kind === 'ddiExit' && e.ddi === 'destroyContext' && e.contextId === context.id);
  if (!enter || !exit) throw new Error('the trace has no DestroyContext entry and exit for the context');
  const departures = hpdOf(events).filter((e) => !e.connected && e.sequence > enter.sequence && e.sequence < exit.sequence);
  if (departures.length === 0) {
    c.finding(`DestroyContext (trace ${enter.sequence}-${exit.sequence}) returned without indicating monitor departure ` +
      `(DxgkCbIndicateChildStatus with Connected = FALSE) for target ${context.targetId}`);
  } else {
    c.evidence(`departure indicated inside DestroyContext (trace ${departures[0].sequence}, child ${departures[0].childUid})`);
  }
  for (const e of violationsOf(events, ['NO_DEPARTURE'])) c.evidence(`the host saw it too: ${describeViolation(c, e)}`);
  const after = await c.waitFor(() => c.stats(), (s) => s.miniportContexts === before.miniportContexts, 'the miniport context to be freed', 3000)
    .catch(() => undefined);
  if (after === undefined) {
    c.finding('the miniport did not free what CreateContext allocated when DestroyContext returned');
  }
}

/** No IoControl reaches the miniport for a context after its DestroyContext, even one racing it. */
export async function checkNoIoControlAfterDestroy(c: KmdCheck): Promise<void> {
  const context = await c.device.createContext();
  const racing: Promise<unknown> = c.hooks ? context.miniport.hold(20) : context.ioControl(Buffer.alloc(16), { outputSize: 16 });
  const destroyed = context.destroy();
  const late = context.ioControl(Buffer.alloc(16), { outputSize: 16 });
  const [, , lateResult] = await Promise.all([outcome(racing), destroyed, outcome(late)]);
  const after = await outcome(context.ioControl(Buffer.alloc(16), { outputSize: 16 }));
  for (const [what, result] of [['an IoControl issued during DestroyContext', lateResult], ['an IoControl after DestroyContext', after]] as const) {
    if (result.ok) continue;
    const status = statusOf(result.error);
    if (status === undefined) throw result.error;
    c.evidence(`${what}: ${ntStatusName(status)}`);
  }
  if (after.ok) c.finding('an IoControl on a destroyed context succeeded');
  const events = (await c.trace()).filter((e) => e.contextId === context.id);
  const destroyEnter = events.find((e) => e.kind === 'ddiEnter' && e.ddi === 'destroyContext');
  if (!destroyEnter) throw new Error('the trace has no DestroyContext for the context');
  const lateCalls = events.filter((e) => e.kind === 'ddiEnter' && e.ddi === 'ioControl' && e.sequence > destroyEnter.sequence);
  for (const e of lateCalls) {
    c.finding(`DxgkDdiMiracastIoControl reached the miniport for context ${context.id} at trace ${e.sequence}, after ` +
      `DestroyContext entered at ${destroyEnter.sequence}`);
  }
  const reached = events.filter((e) => e.kind === 'ddiEnter' && e.ddi === 'ioControl').length;
  c.evidence(`${reached} IoControl(s) reached the miniport for the context, ${lateCalls.length} of them after DestroyContext entered`);
}

/** Monitor arrival is indicated from IoControl (the UMD reports the sink's monitor after its session starts). */
export async function checkArrivalFromIoControl(c: KmdCheck): Promise<void> {
  const context = await c.device.createContext();
  const mark = await c.traceMark();
  try {
    await context.miniport.monitorArrive();
  } finally {
    await context.destroy();
  }
  const events = await c.trace(mark);
  const enter = events.find((e) => e.kind === 'ddiEnter' && e.ddi === 'ioControl' && e.contextId === context.id);
  const exit = events.find((e) => e.kind === 'ddiExit' && e.ddi === 'ioControl' && e.contextId === context.id);
  // Which child it names is kmd.create.target-id's business: here only when it comes counts.
  const arrival = hpdOf(events).find((e) => e.connected);
  if (!enter || !exit) throw new Error('the trace has no IoControl for the arrival request');
  if (!arrival) {
    c.finding('the IoControl that reports the monitor\'s arrival made no hot-plug indication (Connected = TRUE)');
  } else if (arrival.sequence < enter.sequence || arrival.sequence > exit.sequence) {
    c.finding(`the arrival indication (trace ${arrival.sequence}) came outside the IoControl that reported it (${enter.sequence}-${exit.sequence})`);
  } else {
    c.evidence(`arrival indicated inside the IoControl (trace ${arrival.sequence}, child ${arrival.childUid}, Connected = TRUE)`);
  }
}
