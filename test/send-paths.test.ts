// Which way a sendMessage travels (issue #14): a lone send (no other send of the device in flight)
// is one classic SEND_MESSAGE IOCTL; sends with company go batched. A device may hold both kinds at
// once, and cancel, abort, timeout and close reach each in the kernel by its own kind of cancel.
// The addon counts the native bytes it holds per request in flight (engineState().heldBytes), and
// that count returns to its idle value once they settle. Driver counters are read as deltas.
// Valid in both lanes.
import { describe, expect, it } from 'vitest';
import { engineState, openDevice, type MiracastDevice } from '../dist/index.js';
import { native, type NativeDevice } from '../dist/binding.js';
import { holdingAgent, settled, useDevice, waitFor, within } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

describe('the send paths', () => {
  it('a lone send takes the classic IOCTL: one message, no BATCH_SUBMIT, no reap', async () => {
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
    expect(after.batchSubmits - before.batchSubmits, 'a lone send needs no BATCH_SUBMIT').toBe(0);
    expect(after.batchReapsPending - before.batchReapsPending, 'nor a reap').toBe(0);
  });

  it('sends issued together go batched, behind the first', async () => {
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
    expect(submits, 'the sends behind the first went through BATCH_SUBMIT').toBeGreaterThan(0);
    expect(submits, `${submits} BATCH_SUBMITs for ${count - 1} batched sends`).toBeLessThan(count / 2);
    expect(after.batchReapsPending - before.batchReapsPending, 'the device keeps its reap').toBe(1);
  });

  it('a device holding both kinds: an abort cancels its own send in the kernel, whichever kind; close() the rest', async () => {
    const owner = await openDevice();
    const agent = await holdingAgent();
    try {
      const context = await owner.createContext();
      const before = await device.stats();
      const lone = new AbortController();
      const company = new AbortController();
      // The first goes alone (classic); the three behind it go batched.
      const sends = [
        settled(context.sendMessage(Buffer.from([0]), { outputSize: 1, signal: lone.signal })),
        settled(context.sendMessage(Buffer.from([1]), { outputSize: 1, signal: company.signal })),
        settled(context.sendMessage(Buffer.from([2]), { outputSize: 1 })),
        settled(context.sendMessage(Buffer.from([3]), { outputSize: 1 })),
      ];
      await waitFor(() => device.stats(), (s) => s.messagesDelivered - before.messagesDelivered === 4 && s.irpsPending - before.irpsPending === 4,
        10_000, 'four sends pending in the kernel, their messages in the agent\'s hands');
      const mid = await device.stats();
      expect(mid.batchSubmits - before.batchSubmits, 'the three behind the first went batched').toBeGreaterThan(0);
      lone.abort();
      expect(await within(sends[0], 10_000, 'the aborted classic send')).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      expect((await device.stats()).irpsCancelledTotal - before.irpsCancelledTotal, 'the classic one alone').toBe(1);
      company.abort();
      expect(await within(sends[1], 10_000, 'the aborted batched send')).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      const atAbort = await device.stats();
      expect(atAbort.irpsCancelledTotal - before.irpsCancelledTotal, 'the batched one alone').toBe(2);
      expect(atAbort.callbacksRun - before.callbacksRun, 'no callback before the agent answers').toBe(0);
      expect(owner.inFlight, 'the other two still in flight').toBe(2);
      await within(owner.close(), 10_000, 'close() to cancel the rest');
      for (const i of [2, 3]) {
        expect(await sends[i], `send ${i}`).toMatchObject({ status: 'rejected', reason: { name: 'AbortError' } });
      }
      agent.release();
      await waitFor(() => device.stats(), (s) => s.callbacksRun - before.callbacksRun === 4, 10_000, 'four callbacks, each once');
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

  it('the addon\'s Device dropped with sends of both kinds in flight stays alive until they settle', async () => {
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
      // The first alone (classic), the two behind it batched.
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
