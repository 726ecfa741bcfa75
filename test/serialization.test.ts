// The Miracast-class serialization: only one of CreateContext, DestroyContext and IoControl is
// inside the miniport at a time, even under a storm from several handles and processes;
// HardwareAccess IoControl (and QueryCaps) take the third level, exclusive of everything. The
// test miniport detects overlaps itself and the tests read its counters. Valid in both lanes.
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openDevice, type MiracastContext, type MiracastDevice } from '../dist/index.js';
import { fixture, settled, useDevice, waitForTrace } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

async function readState(): Promise<{ classOverlaps: number; level3Overlaps: number; ioControls: number }> {
  const probe = await device.createContext();
  const state = await probe.miniport.readState();
  await probe.destroy();
  return state;
}

function stormProcess(iterations: number): Promise<{ iterations: number; calls: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [fixture('storm-process.mjs'), String(iterations)], { timeout: 120_000 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(String(stdout).trim().split('\n').pop()!)));
  });
}

async function stormHandle(handle: MiracastDevice, iterations: number): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const context = await handle.createContext();
    await Promise.all([
      context.miniport.hold(1),
      context.miniport.echo(Buffer.from([i])),
      context.miniport.echo(Buffer.from([i]), { hardwareAccess: i % 4 === 1 }),
    ]);
    await context.destroy();
  }
}

describe('the Miracast-class lock', () => {
  it('keeps the miniport\'s DDIs one at a time under a storm from three handles and two processes', async () => {
    await device.configureMiniport({ targetCount: 8 });
    const before = await readState();
    const handles = [await openDevice(), await openDevice(), await openDevice()];
    try {
      const [p1, p2] = await Promise.all([
        stormProcess(15),
        stormProcess(15),
        ...handles.map((h) => stormHandle(h, 15)),
      ]);
      expect(p1.calls + p2.calls).toBe(2 * 15 * 6);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
    const after = await readState();
    // Every IoControl of the storm reached the miniport (3 per iteration, 5 x 15 iterations), and
    // the READ_STATE that read `after`.
    expect(after.ioControls - before.ioControls).toBe(5 * 15 * 3 + 1);
    expect(after.classOverlaps - before.classOverlaps).toBe(0);
    expect(after.level3Overlaps - before.level3Overlaps).toBe(0);
  });

  it('the miniport\'s detector does see overlaps when the host skips the lock (LOCK_BYPASS)', async () => {
    await device.configureMiniport({ targetCount: 3 });
    const before = await readState();
    const handles = [await openDevice(), await openDevice(), await openDevice()];
    try {
      const contexts = await Promise.all(handles.map((h) => h.createContext()));
      await device.injectFault({ kind: 'lockBypass', durationMs: 60_000 });
      await Promise.all(contexts.flatMap((c) => [c.miniport.hold(50), c.miniport.hold(50)]));
      await device.resetFaults();
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
    expect((await readState()).classOverlaps - before.classOverlaps).toBeGreaterThan(0);
  });
});

describe('levels', () => {
  let contexts: MiracastContext[];
  let handles: MiracastDevice[] = [];

  async function twoContexts(): Promise<void> {
    await device.configureMiniport({ targetCount: 2 });
    handles = [await openDevice(), await openDevice()];
    contexts = [await handles[0].createContext(), await handles[1].createContext()];
  }
  // Closing the handles destroys their contexts, also when a test failed half way.
  afterEach(async () => {
    await Promise.all(handles.map((h) => h.close()));
    handles = [];
  });

  /** Runs `first` (which stays inside the miniport a while), then `second` once the driver has
      recorded `first` entering the DDI, and returns the DDI entries and exits the driver recorded,
      in its order. */
  async function overlapAttempt(first: () => Promise<unknown>, second: () => Promise<unknown>): Promise<string[]> {
    const mark = await device.traceMark();
    const inside = settled(first());
    await waitForTrace(device, mark, (e) => e.kind === 'ddiEnter', 'the first call to enter the miniport');
    const outcomes = await Promise.all([inside, settled(second())]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    return (await device.trace({ since: mark })).events
      .filter((e) => e.kind === 'ddiEnter' || e.kind === 'ddiExit')
      .map((e) => `${e.kind === 'ddiEnter' ? 'enter' : 'exit'} ${e.kind === 'ddiEnter' || e.kind === 'ddiExit' ? e.ddi : ''}${
        e.kind === 'ddiEnter' && e.hardwareAccess ? ' (level 3)' : ''}`);
  }

  it('an IoControl on another context waits for the one inside (Miracast class)', async () => {
    await twoContexts();
    expect(await overlapAttempt(() => contexts[0].miniport.hold(500), () => contexts[1].miniport.echo(Buffer.from('x'))))
      .toEqual(['enter ioControl', 'exit ioControl', 'enter ioControl', 'exit ioControl']);
  });

  it('a HardwareAccess IoControl waits for a second-level call, and the reverse', async () => {
    await twoContexts();
    expect(await overlapAttempt(() => contexts[0].miniport.hold(500),
      () => contexts[1].miniport.echo(Buffer.from('x'), { hardwareAccess: true })))
      .toEqual(['enter ioControl', 'exit ioControl', 'enter ioControl (level 3)', 'exit ioControl']);
    expect(await overlapAttempt(() => contexts[0].miniport.hold(500, { hardwareAccess: true }),
      () => contexts[1].miniport.echo(Buffer.from('x'))))
      .toEqual(['enter ioControl (level 3)', 'exit ioControl', 'enter ioControl', 'exit ioControl']);
  });

  it('QueryCaps (third level) waits for a second-level call, and CreateContext for a third-level one', async () => {
    await twoContexts();
    expect(await overlapAttempt(() => contexts[0].miniport.hold(500), () => device.queryCaps()))
      .toEqual(['enter ioControl', 'exit ioControl', 'enter queryCaps', 'exit queryCaps']);
    await contexts[1].destroy();
    expect(await overlapAttempt(() => contexts[0].miniport.hold(500, { hardwareAccess: true }), async () => {
      contexts[1] = await handles[1].createContext();
    })).toEqual(['enter ioControl (level 3)', 'exit ioControl', 'enter createContext', 'exit createContext']);
  });
});
