// A short seeded slice of each part of the stress campaign (lib/stress; the full campaign is
// npm run stress). Each part checks its own invariants (nothing outstanding in the driver, every
// promise settled once, every message called back once) and reports what it saw; these tests hold
// it to them and to the figures that prove the storm really happened (requests in flight at the
// kill, IOCTLs of every contract code fuzzed). Valid in both lanes, except the unload storm
// (Wine only: Windows defers an unload until every handle closes).
import { describe, expect, it } from 'vitest';
import { openDevice, contract } from '../dist/index.js';
import {
  runFuzz, runAbortStorm, runKillStorm, runWorkerStorm, runUnloadStorm, runSoak, stressScales, partSeed,
} from '../dist/stress/index.js';
import { clientExe, lane } from './helpers';

const seed = 0x5eed;
const slice = stressScales.slice;

function expectClean(result: { ok: boolean; lost: number; problems: string[] }): void {
  expect(result.problems).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.ok).toBe(true);
}

describe('stress slice', () => {
  it('fuzz: every contract IOCTL fuzzed; all completed once; the service runs and the driver is idle', async () => {
    const result = await runFuzz({ seed: partSeed(seed, 'fuzz'), ioctls: slice.fuzzIoctls, threads: slice.fuzzThreads, clientPath: clientExe, seconds: 120 });
    expectClean(result);
    expect(result.figures.ioctls).toBe(slice.fuzzIoctls);
    // Every IOCTL either refused at issue or completed exactly once.
    expect(Number(result.figures.completions) + Number(result.figures.refusedAtIssue)).toBe(slice.fuzzIoctls);
    expect(result.figures.contractCodes).toBe(Object.keys(contract.ioctls).length);
    expect(Number(result.figures.cancels)).toBeGreaterThan(0);
    expect(Number(result.figures.closedInFlight)).toBeGreaterThan(0);
    // The violations it asked the test miniport for reached the host's checks (at least the one
    // it plants at the end, so this never rests on timing).
    expect(Number(result.figures.contractViolationsRequested)).toBeGreaterThan(0);
  }, 180_000);

  it('abort/timeout storm: every send settles once with an allowed outcome; no listener, timer or request left', async () => {
    const result = await runAbortStorm({ seed: partSeed(seed, 'abort'), sends: slice.abortSends, timeLimitMs: 60_000 });
    expectClean(result);
    const f = result.figures;
    expect(f.settled).toBe(slice.abortSends);
    expect(Number(f.answered) + Number(f.aborted) + Number(f.timedOut)).toBe(slice.abortSends);
    // The storm raced for real: some of each outcome, and cancels reached the kernel.
    expect(Number(f.answered)).toBeGreaterThan(0);
    expect(Number(f.aborted)).toBeGreaterThan(0);
    expect(Number(f.timedOut)).toBeGreaterThan(0);
    expect(Number(f.cancelledInKernel)).toBeGreaterThan(0);
  }, 120_000);

  // The two storms that end their children with requests held in the kernel: processes killed
  // (TerminateProcess) and workers terminated. Each child holds `requests` sends at its end.
  const childStorms = [
    { name: 'process-kill storm: processes killed with 1000 requests in flight each', children: slice.killProcesses, requests: slice.killRequests,
      run: () => runKillStorm({ seed: partSeed(seed, 'kill'), processes: slice.killProcesses, requests: slice.killRequests }),
      ended: 'processesKilled', held: 'inFlightAtKill' },
    { name: 'worker-termination storm: workers terminated with requests in flight', children: slice.workers, requests: slice.workerRequests,
      run: () => runWorkerStorm({ seed: partSeed(seed, 'worker'), workers: slice.workers, requests: slice.workerRequests }),
      ended: 'workersTerminated', held: 'inFlightAtTerminate' },
  ];
  for (const storm of childStorms) {
    it(`${storm.name} leave nothing behind`, async () => {
      const result = await storm.run();
      expectClean(result);
      expect(result.figures[storm.ended]).toBe(storm.children);
      expect(result.figures[storm.held]).toBe(storm.children * storm.requests);
      expect(result.figures.messagesCalledBack).toBe(storm.children * storm.requests);
      if (result.part === 'worker') expect(Number(result.figures.slowestFirstCancelMs)).toBeLessThanOrEqual(4500);
    }, 180_000);
  }

  it.skipIf(lane !== 'wine')('unload storm: each stop with IRPs pending completes them and records nothing outstanding', async () => {
    const result = await runUnloadStorm({ seed: partSeed(seed, 'unload'), stops: slice.unloadStops, clientPath: clientExe });
    expectClean(result);
    expect(result.figures.stops).toBe(slice.unloadStops);
    expect(Number(result.figures.irpsPendingAtStop)).toBeGreaterThanOrEqual(slice.unloadStops);
    expect(result.figures.irpsCompleted).toBe(result.figures.irpsIssued);
    // The driver is back and works.
    const device = await openDevice();
    try {
      expect((await device.queryCaps()).hdcpSupport).toBe(true);
    } finally {
      await device.close();
    }
  }, 120_000);

  it('soak: memory flat after the warm-up and the driver at its baseline at every sample', async () => {
    const result = await runSoak({ seed: partSeed(seed, 'soak'), durationMs: slice.soakMs });
    expectClean(result);
    expect(result.summary.flat).toBe(true);
    expect(result.summary.driverAtBaselineEverySample).toBe(true);
    expect(result.samples.length).toBeGreaterThanOrEqual(10);
    expect(Number(result.figures.operations)).toBeGreaterThan(1000);
  }, 120_000);
});
