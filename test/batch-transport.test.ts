// The batched transport behind sendMessage (issue #14): many sends share one BATCH_SUBMIT, one
// reap returns many results, a cancel reaches only its own send in the kernel, and a device keeps
// a reap pending while the kernel holds its sends, and none once they are answered. The raw C client's batch checks cover the wire
// format and the refusals (client-checks.test.ts). Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { engineState, openDevice, type MiracastDevice } from '../dist/index.js';
import { holdingAgent, settled, useDevice, waitFor, within } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

describe('the batched transport', () => {
  it('sends issued together share BATCH_SUBMITs and reaps, each settling with its own result', async () => {
    const owner = await openDevice();
    const context = await owner.createContext();
    await device.configureResponder({ enabled: true, delayMs: 20 });
    const before = await device.stats();
    const count = 300;
    const results = await Promise.all(Array.from({ length: count }, (_, i) =>
      context.sendMessage(Buffer.from(`message ${i}`), { outputSize: 32 })));
    results.forEach((result, i) => {
      expect(result.status, `send ${i}`).toBe(0);
      expect(result.output.toString(), `send ${i}`).toBe(`message ${i}`);
    });
    const after = await waitFor(() => device.stats(), (s) => s.callbacksRun - before.callbacksRun === count, 10_000, 'every callback');
    const submits = after.batchSubmits - before.batchSubmits;
    expect(submits, 'sends went through BATCH_SUBMIT').toBeGreaterThan(0);
    // Issued in one turn of this thread, they cannot each have needed an IOCTL of their own.
    expect(submits, `${submits} BATCH_SUBMITs for ${count} sends`).toBeLessThan(count / 2);
    expect(after.messagesTotal - before.messagesTotal).toBe(count);
    expect(after.batchReapsPending - before.batchReapsPending, 'no reap left pending on the idle device').toBe(0);
    expect(engineState().inFlight).toBe(0);
    await owner.close();
    expect((await device.stats()).batchReapsPending, 'its reap went with the handle').toBe(before.batchReapsPending);
  });

  it('the answers to a batch of sends wake the host\'s callback workers once per batch, not once per answer', async () => {
    // The responder answers each send while its batch is applied; the wake-ups are held until the
    // batch is applied and given together: at most one per callback worker (four) per batch.
    await using owner = await openDevice();
    const context = await owner.createContext();
    await device.configureResponder({ enabled: true });
    for (let round = 0; round < 3; round++) {
      const before = await device.stats();
      const count = 64;
      const results = await Promise.all(Array.from({ length: count }, (_, i) =>
        context.sendMessage(Buffer.from([i]), { outputSize: 1 })));
      results.forEach((result, i) => expect(result.output, `round ${round}, send ${i}`).toEqual(Buffer.from([i])));
      const after = await waitFor(() => device.stats(), (s) => s.callbacksRun - before.callbacksRun === count, 10_000, 'every callback');
      const submits = after.batchSubmits - before.batchSubmits;
      const wakes = after.callbackWakes - before.callbackWakes;
      expect(wakes, `round ${round}: ${wakes} wake-ups for ${count} answers in ${submits} batches`).toBeLessThanOrEqual(4 * submits);
    }
  });

  it('a result larger than the reap\'s buffer: the kernel answers with the size it needs, and the reap grows to take it whole', async () => {
    await using owner = await openDevice();
    const context = await owner.createContext();
    await device.configureResponder({ enabled: true });
    const before = await device.stats();
    // Small sends first, so the device's reap is small, then one answered with 60,000 bytes beside
    // them: its record does not fit the reap that meets it.
    const small = Array.from({ length: 8 }, (_, i) => context.sendMessage(Buffer.from([i]), { outputSize: 1 }));
    const input = Buffer.alloc(60_000, 0xa5);
    const large = context.sendMessage(input, { outputSize: 60_000 });
    const results = await within(Promise.all([...small, large]), 10_000, 'the sends to settle');
    results.slice(0, 8).forEach((result, i) => expect(result.output, `small send ${i}`).toEqual(Buffer.from([i])));
    expect(results[8].output.equals(input), 'the large result, whole').toBe(true);
    const after = await device.stats();
    expect(after.batchReapsTooSmall - before.batchReapsTooSmall, 'reaps answered with the size a record needs').toBeGreaterThan(0);
    expect(after.batchReapsPending - before.batchReapsPending, 'no reap left pending').toBe(0);
  });

  it('an AbortSignal cancels its own send in the kernel; the sends around it complete; every callback runs once', async () => {
    await using owner = await openDevice();
    const context = await owner.createContext();
    const agent = await holdingAgent();
    try {
      const before = await device.stats();
      const controller = new AbortController();
      const sends = [0, 1, 2, 3, 4].map((i) =>
        settled(context.sendMessage(Buffer.from([i]), { outputSize: 1, signal: i === 2 ? controller.signal : undefined })));
      await waitFor(() => device.stats(), (s) => s.messagesDelivered - before.messagesDelivered === 5 && s.irpsPending - before.irpsPending === 5,
        10_000, 'five sends pending in the kernel, their messages in the agent\'s hands');
      controller.abort();
      // The cancelled one settles while the agent still holds every message: the kernel let go of it alone.
      expect(await within(sends[2], 10_000, 'the aborted send to settle')).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      const atAbort = await device.stats();
      expect(atAbort.irpsPending - before.irpsPending, 'the other four still pending').toBe(4);
      expect(atAbort.irpsCancelledTotal - before.irpsCancelledTotal).toBe(1);
      expect(atAbort.callbacksRun - before.callbacksRun, 'no callback before the agent answers').toBe(0);
      agent.release();
      for (const i of [0, 1, 3, 4]) {
        const outcome = await sends[i];
        expect(outcome.status, `send ${i}`).toBe('fulfilled');
        expect((outcome as PromiseFulfilledResult<{ output: Buffer }>).value.output, `send ${i}`).toEqual(Buffer.from([i]));
      }
      await waitFor(() => device.stats(), (s) => s.callbacksRun - before.callbacksRun === 5, 10_000, 'five callbacks, the cancelled one\'s too');
    } finally {
      await agent.close();
    }
  });

  it('the benchmark\'s classic peer: a device opened with MIRACAST_HIL_CLASSIC_SENDS=1 sends each message as its own SEND_MESSAGE IOCTL', async () => {
    // bench/run.mjs measures "today" (issue #14) with this switch: if it stopped taking effect, the
    // bench would compare the batched transport with itself. Read when the device opens.
    const count = 40;
    await device.configureResponder({ enabled: true });
    const measure = async (classic: boolean) => {
      if (classic) process.env.MIRACAST_HIL_CLASSIC_SENDS = '1';
      let sender: MiracastDevice | undefined;
      try {
        sender = await openDevice();
      } finally {
        delete process.env.MIRACAST_HIL_CLASSIC_SENDS;
      }
      try {
        const context = await sender.createContext();
        const before = await device.stats();
        const results = await Promise.all(Array.from({ length: count }, (_, i) =>
          context.sendMessage(Buffer.from(`message ${i}`), { outputSize: 16 })));
        results.forEach((result, i) => expect(result.output.toString(), `send ${i}`).toBe(`message ${i}`));
        const after = await device.stats();
        return { submits: after.batchSubmits - before.batchSubmits, records: after.batchSendRecords - before.batchSendRecords,
          messages: after.messagesTotal - before.messagesTotal };
      } finally {
        await sender.close();
      }
    };
    const classic = await measure(true);
    expect(classic, 'classic sends: no batch at all').toEqual({ submits: 0, records: 0, messages: count });
    const batched = await measure(false);
    expect(batched.records, 'without the variable, every send is a batch record').toBe(count);
    expect(batched.messages).toBe(count);
  });

  it('close() with sends in flight cancels them in the kernel through the batch and leaves no reap', async () => {
    const doomed = await openDevice();
    try {
      const context = await doomed.createContext();
      await device.configureResponder({ enabled: true, delayMs: 5000 });
      const before = await device.stats();
      const sends = Array.from({ length: 20 }, (_, i) => settled(context.sendMessage(Buffer.from([i]))));
      await waitFor(() => device.stats(), (s) => s.irpsPending - before.irpsPending === 20 && s.batchReapsPending - before.batchReapsPending === 1,
        10_000, 'twenty sends and their reap pending');
      await within(doomed.close(), 10_000, 'close() to cancel the sends');
      for (const outcome of await Promise.all(sends)) {
        expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      }
      const after = await device.stats();
      expect(after.irpsCancelledTotal - before.irpsCancelledTotal).toBeGreaterThanOrEqual(20);
      expect(after.batchReapsPending).toBe(before.batchReapsPending);
    } finally {
      await doomed.close();
    }
  });
});
