// IoControl storms through the batched transport (issue #14): ioControls issued while others are
// in flight ride the device's BATCH_SUBMITs and reaps, run in the driver as the classic IO_CONTROL
// IOCTL runs them, and settle with exactly what the classic path gives; a lone ioControl keeps the
// classic IOCTL. The raw C client's batch checks cover the wire format, the IoControl record's
// refusals and its results against the classic IOCTL's (client-checks.test.ts). Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { engineState, NtStatusError, openDevice, type MiracastDevice } from '../dist/index.js';
import { settled, useDevice, waitFor, within } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

/** A test miniport command (MP_IOCTL_HEADER, then data): ECHO 1, HOLD 7, an unknown one 0x7777. */
function command(code: number, arg0 = 0, data: Uint8Array = new Uint8Array(0)): Buffer {
  const bytes = Buffer.alloc(16 + data.byteLength);
  bytes.writeUInt32LE(code, 0);
  bytes.writeUInt32LE(arg0, 4);
  bytes.set(data, 16);
  return bytes;
}
const ECHO = 1;
const HOLD = 7;
const UNKNOWN = 0x7777;

/** Distinct data of lengths 0..96, so a result given to the wrong promise shows. */
const payload = (i: number): Buffer => Buffer.from(Array.from({ length: i % 97 }, (_, k) => (i * 31 + k) & 0xff));

function failure(outcome: PromiseSettledResult<unknown>): { name: string; status?: number; code?: string; operation?: string } {
  expect(outcome.status).toBe('rejected');
  const reason = (outcome as PromiseRejectedResult).reason as NtStatusError;
  return { name: reason.name, status: reason.status, code: reason.code, operation: reason.operation };
}

describe('ioControl storms through the batched transport', () => {
  it('a storm of ioControls gives what the same ioControls give one at a time, in far fewer IOCTLs', async () => {
    await using owner = await openDevice();
    const context = await owner.createContext();
    const count = 256;
    // One at a time: nothing else in flight, so each takes the classic IO_CONTROL IOCTL.
    const classicBefore = await device.stats();
    const classic: Buffer[] = [];
    for (let i = 0; i < count; i++) classic.push(await context.miniport.echo(payload(i)));
    const classicAfter = await device.stats();
    expect(classicAfter.batchIoControlRecords - classicBefore.batchIoControlRecords, 'a lone ioControl is not batched').toBe(0);

    const before = await device.stats();
    const storm = await Promise.all(Array.from({ length: count }, (_, i) => context.miniport.echo(payload(i))));
    const after = await device.stats();
    storm.forEach((output, i) => {
      expect(output, `ioControl ${i}`).toEqual(classic[i]);
      expect(output, `ioControl ${i}`).toEqual(payload(i));
    });
    const records = after.batchIoControlRecords - before.batchIoControlRecords;
    // The first found nothing in flight and went alone; every other one rode a batch.
    expect(records, 'ioControls carried by BATCH_SUBMIT records').toBeGreaterThanOrEqual(count - 1);
    expect(records).toBeLessThanOrEqual(count);
    expect(after.ddiCalls - before.ddiCalls, 'one DxgkDdiMiracastIoControl each').toBe(count);
    // Every IOCTL of the lane between the two readings: submits, reaps, the lone first one, and this reading.
    const ioctls = after.ioctlsDispatched - before.ioctlsDispatched;
    expect(ioctls, `${ioctls} IOCTLs for ${count} ioControls`).toBeLessThan(count / 4);
    expect(engineState().inFlight).toBe(0);
  });

  it('failures in a storm keep the classic path\'s NtStatusError: operation, code and status', async () => {
    await device.configureMiniport({ targetCount: 2 });   // a second session, to destroy (reset after each test)
    await using owner = await openDevice();
    const context = await owner.createContext();
    const doomed = await owner.createContext();
    await doomed.destroy();
    const cases = [
      { what: 'an unknown miniport command', run: () => context.ioControl(command(UNKNOWN), { outputSize: 4 }) },
      { what: 'an echo into a short output', run: () => context.ioControl(command(ECHO, 0, Buffer.alloc(10, 7)), { outputSize: 4 }) },
      { what: 'a destroyed context', run: () => doomed.ioControl(command(ECHO, 0, Buffer.alloc(4)), { outputSize: 4 }) },
    ];
    for (const c of cases) {
      const alone = await settled(c.run());
      const expected = failure(alone);
      expect(expected.name, `${c.what}, classic`).toBe('NtStatusError');
      expect(expected.operation, `${c.what}, classic`).toBe('ioControl');

      const before = await device.stats();
      // The failing one in the middle of a storm of echoes: it is batched with them.
      const storm = [
        ...Array.from({ length: 8 }, (_, i) => settled(context.miniport.echo(payload(i + 1)))),
        settled(c.run()),
        ...Array.from({ length: 8 }, (_, i) => settled(context.miniport.echo(payload(i + 9)))),
      ];
      const outcomes = await Promise.all(storm);
      const after = await device.stats();
      expect(failure(outcomes[8]), `${c.what}, in a storm`).toEqual(expected);
      outcomes.forEach((outcome, i) => {
        if (i === 8) return;
        const n = i < 8 ? i + 1 : i;
        expect(outcome, `echo ${i} around ${c.what}`).toEqual({ status: 'fulfilled', value: payload(n) });
      });
      expect(after.batchIoControlRecords - before.batchIoControlRecords, `${c.what}: batched with the storm`).toBeGreaterThanOrEqual(16);
    }
  });

  it('bad input in a storm throws before anything is queued', async () => {
    await using owner = await openDevice();
    const context = await owner.createContext();
    const before = await device.stats();
    const storm = Array.from({ length: 16 }, (_, i) => context.miniport.echo(payload(i)));
    const limit = owner.constants.limits.maxIoControlBytes;
    await expect(context.ioControl(command(ECHO), { outputSize: limit + 1 })).rejects.toThrow(RangeError);
    await expect(context.ioControl(Buffer.alloc(limit + 1))).rejects.toThrow(RangeError);
    await expect(context.ioControl('no' as unknown as Uint8Array)).rejects.toThrow(TypeError);
    await Promise.all(storm);
    const after = await device.stats();
    expect(after.batchIoControlRecords - before.batchIoControlRecords, 'only the storm\'s').toBeLessThanOrEqual(16);
    expect(after.ddiCalls - before.ddiCalls, 'only the storm reached the miniport').toBe(16);
  });

  it('close() with ioControls in flight settles every one of them and leaves the driver idle', async () => {
    const doomed = await openDevice();
    const before = await device.stats();
    let outcomes: PromiseSettledResult<Buffer>[] = [];
    try {
      const context = await doomed.createContext();
      // Each holds the Miracast-class lock for 40 ms: most are still waiting for a worker at the close.
      const storm = Array.from({ length: 40 }, () => settled(context.ioControl(command(HOLD, 40), { outputSize: 0 })));
      await waitFor(() => device.stats(), (s) => s.batchIoControlRecords - before.batchIoControlRecords >= 39 && s.ddiCalls - before.ddiCalls >= 2,
        10_000, 'the storm submitted and running');
      await within(doomed.close(), 10_000, 'close() with ioControls in flight');
      outcomes = await within(Promise.all(storm), 10_000, 'every ioControl to settle');
    } finally {
      await doomed.close();
    }
    const ran = outcomes.filter((o) => o.status === 'fulfilled').length;
    const cancelled = outcomes.filter((o) => o.status === 'rejected' && (o.reason as Error).name === 'AbortError').length;
    expect(ran + cancelled, 'each either ran or was cancelled').toBe(40);
    expect(ran, 'those already inside the miniport ran to their end').toBeGreaterThanOrEqual(1);
    expect(cancelled, 'those still waiting were cancelled in the kernel').toBeGreaterThanOrEqual(1);
    const after = await waitFor(() => device.stats(), (s) => s.irpsPending === before.irpsPending && s.batchReapsPending === before.batchReapsPending,
      10_000, 'nothing of the closed handle left pending');
    expect(after.irpsCancelledTotal - before.irpsCancelledTotal, 'the cancelled ones counted').toBeGreaterThanOrEqual(cancelled);
    expect(engineState().inFlight).toBe(0);
  });
});
