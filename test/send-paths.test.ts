// Which way a request travels (issue #14): every sendMessage rides the device's batched channel,
// a lone one too (its cancel is then a batched record, never a CancelIoEx racing its completion),
// and a lone one costs one IOCTL (BATCH_SUBMIT_REAP: the submit is its own reap);
// a chunk read or a lone ioControl is one classic IOCTL. A device may hold both kinds at once, and
// cancel, abort, timeout and close reach each in the kernel by its own kind of cancel.
// The addon counts the native bytes it holds per request in flight (engineState().heldBytes), and
// that count returns to its idle value once they settle. Driver counters are read as deltas.
// Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { contract, engineState, openDevice, type MiracastDevice } from '../dist/index.js';
import { native, type NativeDevice } from '../dist/binding.js';
import { holdingAgent, settled, useDevice, waitFor, within } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

describe('the send paths', () => {
  it('a lone send rides the batched channel: one BATCH_SUBMIT_REAP each, answered in its own output; no reap left behind', async () => {
    await using owner = await openDevice();
    const context = await owner.createContext();
    await device.configureResponder({ enabled: true });
    const before = await device.stats();
    for (let i = 0; i < 3; i++) {
      const result = await context.sendMessage(Buffer.from(`lone ${i}`), { outputSize: 16 });
      expect(result.output.toString(), `lone send ${i}`).toBe(`lone ${i}`);
    }
    const after = await device.stats();
    expect(after.messagesTotal - before.messagesTotal).toBe(3);
    expect(after.batchSendRecords - before.batchSendRecords, 'each lone send is a batched record').toBe(3);
    expect(after.batchSubmitReaps - before.batchSubmitReaps, 'each lone send is a submit that is its own reap').toBe(3);
    // Every IOCTL of the lane between the two readings: one per send (a submit and a reap would be
    // two), and the second reading.
    expect(after.ioctlsDispatched - before.ioctlsDispatched, 'IOCTLs for three lone sends and a reading').toBe(4);
    expect(after.batchReapsPending - before.batchReapsPending, 'no reap pending once nothing is in flight').toBe(0);
  });

  it('sends issued together share BATCH_SUBMITs', async () => {
    await using owner = await openDevice();
    const context = await owner.createContext();
    await device.configureResponder({ enabled: true });
    const before = await device.stats();
    const count = 40;
    const results = await Promise.all(Array.from({ length: count }, (_, i) =>
      context.sendMessage(Buffer.from([i]), { outputSize: 1 })));
    results.forEach((result, i) => expect(result.output, `send ${i}`).toEqual(Buffer.from([i])));
    const after = await device.stats();
    expect(after.messagesTotal - before.messagesTotal).toBe(count);
    const submits = after.batchSubmits - before.batchSubmits;
    expect(after.batchSendRecords - before.batchSendRecords, 'every send a batched record').toBe(count);
    expect(submits, `${submits} BATCH_SUBMITs for ${count} sends`).toBeLessThan(count / 2);
    expect(after.batchReapsPending - before.batchReapsPending, 'no reap pending once nothing is in flight').toBe(0);
  });

  it('a device holding both kinds: an abort cancels its own request in the kernel, whichever kind; close() the rest', async () => {
    const owner = await openDevice();
    const agent = await holdingAgent();
    try {
      const context = await owner.createContext();
      const before = await device.stats();
      const read = new AbortController();
      const first = new AbortController();
      // A chunk read with nothing to read pends (classic); the three sends go batched.
      const reads = [settled(context.readChunks({ signal: read.signal }))];
      await waitFor(() => device.stats(), (s) => s.chunkReadsPending - before.chunkReadsPending === 1, 10_000, 'the first read pending');
      reads.push(settled(context.readChunks()));
      const sends = [
        settled(context.sendMessage(Buffer.from([0]), { outputSize: 1, signal: first.signal })),
        settled(context.sendMessage(Buffer.from([1]), { outputSize: 1 })),
        settled(context.sendMessage(Buffer.from([2]), { outputSize: 1 })),
      ];
      await waitFor(() => device.stats(), (s) => s.messagesDelivered - before.messagesDelivered === 3,
        10_000, 'three sends pending in the kernel, their messages in the agent\'s hands');
      expect((await device.stats()).batchSendRecords - before.batchSendRecords, 'the sends went batched').toBe(3);
      // The second read is refused at once (one reader at a time): it never pends.
      expect(await within(reads[1], 10_000, 'the second read')).toMatchObject({ status: 'rejected', reason: { status: contract.statuses.READER_BUSY } });
      const atRefusal = await device.stats();
      read.abort();
      expect(await within(reads[0], 10_000, 'the aborted classic read')).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      expect((await device.stats()).irpsCancelledTotal - atRefusal.irpsCancelledTotal, 'the classic one alone').toBe(1);
      first.abort();
      expect(await within(sends[0], 10_000, 'the aborted batched send')).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      const atAbort = await device.stats();
      expect(atAbort.irpsCancelledTotal - atRefusal.irpsCancelledTotal, 'the batched one alone').toBe(2);
      expect(atAbort.callbacksRun - before.callbacksRun, 'no callback before the agent answers').toBe(0);
      expect(owner.inFlight, 'the other two still in flight').toBe(2);
      const again = settled(context.readChunks());
      await waitFor(() => device.stats(), (s) => s.chunkReadsPending - before.chunkReadsPending === 1, 10_000, 'a read pending again');
      await within(owner.close(), 10_000, 'close() to cancel the rest');
      for (const [i, outcome] of [sends[1], sends[2], again].entries()) {
        expect(await outcome, `request ${i} left at close`).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      }
      agent.release();
      await waitFor(() => device.stats(), (s) => s.callbacksRun - before.callbacksRun === 3, 10_000, 'three callbacks, each once');
    } finally {
      await owner.close();
      await agent.close();
    }
  });

  it('the native bytes held per send in flight are counted, under 1 KiB each, and given back once they settle', async () => {
    const owner = await openDevice();
    try {
      const context = await owner.createContext();
      const idle = engineState().heldBytes;
      expect(idle, 'nothing in flight holds no native bytes').toBe(0);
      await device.configureResponder({ enabled: true });
      // Answered: every byte comes back (the segments' with their submitter's turn).
      await Promise.all(Array.from({ length: 100 }, (_, i) => context.sendMessage(Buffer.from([i]), { outputSize: 8 })));
      await waitFor(async () => engineState().heldBytes, (bytes) => bytes === idle, 10_000, 'the held bytes back to idle after answers');
      // Held by the responder, then cancelled by close().
      await device.configureResponder({ enabled: true, delayMs: 30_000 });
      const before = await device.stats();
      const count = 200;
      const sends = Array.from({ length: count }, (_, i) => settled(context.sendMessage(Buffer.from([i & 0xff]), { outputSize: 8 })));
      await waitFor(() => device.stats(), (s) => s.irpsPending - before.irpsPending === count, 10_000, 'every send pending in the kernel');
      const held = engineState().heldBytes - idle;
      // Each holds at least its Request and its node in the device's map.
      expect(held, `${held} bytes for ${count} sends`).toBeGreaterThan(count * 64);
      expect(held / count, 'bytes per send in flight').toBeLessThan(1024);
      await within(owner.close(), 10_000, 'close() to cancel them');
      for (const [i, outcome] of (await Promise.all(sends)).entries()) expect(outcome.status, `send ${i}`).toBe('rejected');
      await waitFor(async () => engineState().heldBytes, (bytes) => bytes === idle, 10_000, 'the held bytes back to idle after cancels');
    } finally {
      await owner.close();
    }
  });

  it('the addon\'s Device dropped with sends in flight stays alive until they settle', async () => {
    // Below the library (whose pending promises hold their device anyway): the native object alone.
    const addon = native();
    const ops = addon.constants.ops;
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'the suite runs with --expose-gc').toBeTypeOf('function');
    const agent = await holdingAgent();
    let raw: NativeDevice | undefined = new addon.Device(addon.constants.devicePath);
    const weak = new WeakRef(raw);
    try {
      const before = await device.stats();
      const { contextId } = await raw.submit(ops.createContext, 1, true) as { contextId: number };
      const sends = [2, 3, 4].map((id) => raw!.submit(ops.sendMessage, id, true, contextId, Buffer.from([id]), 1) as Promise<{ output: Buffer }>);
      await waitFor(() => device.stats(), (s) => s.messagesDelivered - before.messagesDelivered === 3, 10_000, 'three messages in the agent\'s hands');
      raw = undefined;
      for (let i = 0; i < 3; i++) {
        gc!();
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(weak.deref(), 'the device with sends in flight survived the collections').toBeDefined();
      agent.release();
      const results = await within(Promise.all(sends), 10_000, 'the sends to settle');
      results.forEach((result, i) => expect(result.output, `send ${i}`).toEqual(Buffer.from([i + 2])));
    } finally {
      await agent.close();
      await weak.deref()?.close();
    }
  });
});
