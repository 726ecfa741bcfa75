// Synchronization, read from the trace: one Miracast-class DDI inside the miniport at a time, and
// nothing beside a third-level call, under a storm of calls from several handles on the host's
// several DDI threads. These rules judge the host (dxgkrnl's guarantee); the harness's lockBypass
// fault breaks them on purpose. The test miniport's own overlap detector is checked too.
import type { MiracastContext } from '../../../context';
import type { MiniportState } from '../../../types';
import { outcome, type KmdCheck } from '../check-context';
import { ddiSpans, describeOverlap, findOverlaps, type Overlap, type OverlapKind } from '../trace-analysis';

/** An IoControl that stays inside the miniport a little (the hooks' HOLD), or a plain one. */
function busyCall(c: KmdCheck, context: MiracastContext, hardwareAccess: boolean): Promise<unknown> {
  return c.hooks
    ? context.miniport.hold(10, { hardwareAccess })
    : context.ioControl(c.rng.bytes(16), { outputSize: 16, hardwareAccess });
}

interface StormResult {
  overlaps: Overlap[];
  calls: number;
  threads: number;
  stateBefore?: MiniportState;
  stateAfter?: MiniportState;
}

/**
 * Several handles at once: IoControls on the check's context and CreateContext attempts from
 * other handles (refused while the one target is in use, but they enter the miniport), plus
 * QueryCaps and HardwareAccess IoControls when `level3` is set.
 */
async function storm(c: KmdCheck, level3: boolean, rounds = 4): Promise<StormResult> {
  const others = [await c.openHandle(), await c.openHandle()];
  const context = await c.device.createContext();
  const result: StormResult = { overlaps: [], calls: 0, threads: 0 };
  try {
    if (c.hooks) result.stateBefore = await context.miniport.readState();
    for (let round = 0; round < rounds; round++) {
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 4; i++) calls.push(busyCall(c, context, false));
      for (const handle of others) {
        calls.push(handle.createContext().then((extra) => extra.destroy()));
      }
      if (level3) calls.push(c.device.queryCaps(), busyCall(c, context, true));
      await Promise.all(calls.map((call) => outcome(call)));
    }
    if (c.hooks) result.stateAfter = await context.miniport.readState();
  } finally {
    await context.destroy();
  }
  const spans = ddiSpans(await c.trace());
  result.calls = spans.length;
  result.threads = new Set(spans.map((s) => s.threadId)).size;
  result.overlaps = findOverlaps(spans);
  return result;
}

function reportOverlaps(c: KmdCheck, result: StormResult, kind: OverlapKind, what: string): void {
  const broken = result.overlaps.filter((o) => o.kind === kind);
  c.evidence(`${result.calls} DDI calls on ${result.threads} host thread(s); ${broken.length} ${what} overlap(s) in the trace`);
  if (result.threads < 2) c.evidence('every DDI call came from one thread: the storm could not show contention this time');
  if (broken.length > 0) {
    c.finding(`${broken.length} ${what} overlap(s): ${describeOverlap(broken[0])}`, broken.slice(1, 8).map(describeOverlap));
  }
}

/** Runs the storm and judges one kind of overlap, from the trace and from the miniport's own detector. */
async function checkStorm(c: KmdCheck, kind: OverlapKind): Promise<void> {
  const what = kind === 'miracastClass' ? 'Miracast-class' : 'third-level';
  const counter = kind === 'miracastClass' ? 'classOverlaps' : 'level3Overlaps';
  const result = await storm(c, kind === 'thirdLevel');
  reportOverlaps(c, result, kind, what);
  if (result.stateBefore && result.stateAfter) {
    const seen = result.stateAfter[counter] - result.stateBefore[counter];
    c.evidence(`the test miniport's own detector counted ${seen} ${what} overlap(s)`);
    if (seen > 0 && !result.overlaps.some((o) => o.kind === kind)) {
      c.finding(`the miniport saw ${seen} ${what} overlap(s) the host's trace does not show`);
    }
  }
}

/** One of CreateContext, DestroyContext and IoControl inside the miniport at a time. */
export function checkMiracastClass(c: KmdCheck): Promise<void> {
  return checkStorm(c, 'miracastClass');
}

/** QueryCaps and HardwareAccess IoControls (third level) run with nothing else inside the miniport. */
export function checkThirdLevel(c: KmdCheck): Promise<void> {
  return checkStorm(c, 'thirdLevel');
}

/** The harness's own instrument: the test miniport's overlap detector sees overlaps when the host skips the lock. */
export async function checkOverlapDetector(c: KmdCheck): Promise<void> {
  await c.device.configureMiniport({ targetCount: 3 });
  const handles = [c.device, await c.openHandle(), await c.openHandle()];
  const contexts = await Promise.all(handles.map((h) => h.createContext()));
  let before: MiniportState;
  let after: MiniportState;
  try {
    before = await contexts[0].miniport.readState();
    await c.device.injectFault({ kind: 'lockBypass', durationMs: 5000 });
    try {
      await Promise.all(contexts.flatMap((context) => [context.miniport.hold(50), context.miniport.hold(50)]));
    } finally {
      await c.device.resetFaults();
    }
    after = await contexts[0].miniport.readState();
  } finally {
    await Promise.all(contexts.map((context) => context.destroy()));
  }
  const inTrace = findOverlaps(ddiSpans(await c.trace())).filter((o) => o.kind === 'miracastClass').length;
  const seen = after.classOverlaps - before.classOverlaps;
  c.evidence(`with the lock bypassed: ${inTrace} overlap(s) in the trace, ${seen} counted by the miniport's detector`);
  if (inTrace === 0) throw new Error('the bypassed lock produced no overlap in the trace: the check could not provoke one');
  if (seen === 0) c.finding(`the trace shows ${inTrace} Miracast-class overlap(s) but the miniport's detector counted none`);
}
