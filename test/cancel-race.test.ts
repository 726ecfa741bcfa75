// Cancel racing completion: storms of cancels (AbortSignal, timeoutMs, close) thrown at requests
// while their completions arrive (the responder after a tiny delay, the callbackInline fault, an
// agent's answers). Every promise settles exactly once with a result that is its own or a
// cancellation, the process survives (a buffer freed at cancel instead of at completion crashes it
// here), the miniport's callback runs once per message and the driver ends idle. Valid in both lanes.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDevice, type MiracastContext, type MiracastDevice, type SendMessageResult } from '../dist/index.js';
import { expectIdle, resetDriver, waitFor } from './helpers';

let device: MiracastDevice;
beforeAll(async () => {
  device = await openDevice();
  return () => device.close();
});
afterEach(async () => {
  await resetDriver(device);
  await expectIdle(device, 20_000);
});

/** A small seeded generator: a failing storm can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Canceller = 'signal' | 'timeout' | 'none';

/** When the cancel comes: at once, after a microtask, after an event-loop turn, or after 0-2 ms. */
function cancelLater(rnd: () => number, cancel: () => void): void {
  const when = Math.floor(rnd() * 4);
  if (when === 0) cancel();
  else if (when === 1) queueMicrotask(cancel);
  else if (when === 2) setImmediate(cancel);
  else setTimeout(cancel, Math.floor(rnd() * 3));
}

interface Storm {
  settled: number[];                       // settlements per request: each must be exactly 1
  outcomes: Promise<PromiseSettledResult<SendMessageResult>[]>;
}

/**
 * Sends `count` messages on `context` whose input is their index; each is cancelled by a signal,
 * a timeout or not at all, chosen by `rnd`. The output of a resolved send must be its own input.
 */
function storm(context: MiracastContext, count: number, rnd: () => number): Storm {
  const settled = new Array<number>(count).fill(0);
  const promises = Array.from({ length: count }, (_, i) => {
    const input = Buffer.alloc(8);
    input.writeUInt32LE(i, 0);
    input.writeUInt32LE(~i >>> 0, 4);
    const how: Canceller = (['signal', 'timeout', 'none'] as const)[Math.floor(rnd() * 3)];
    let promise: Promise<SendMessageResult>;
    if (how === 'signal') {
      const controller = new AbortController();
      promise = context.sendMessage(input, { outputSize: 8, signal: controller.signal });
      cancelLater(rnd, () => controller.abort());
    } else if (how === 'timeout') {
      promise = context.sendMessage(input, { outputSize: 8, timeoutMs: 1 + Math.floor(rnd() * 3) });
    } else {
      promise = context.sendMessage(input, { outputSize: 8 });
    }
    promise.then(() => settled[i]++, () => settled[i]++);
    return promise;
  });
  return { settled, outcomes: Promise.allSettled(promises) };
}

/** Each outcome is its own answer or a cancellation; returns how many of each. */
function check(outcomes: PromiseSettledResult<SendMessageResult>[], cancelNames: string[]): { answered: number; cancelled: number } {
  let answered = 0;
  let cancelled = 0;
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      const { output } = outcome.value;
      // Its own bytes, or the callback's error status with none (an answer raced by the cancel).
      if (output.length > 0) {
        expect({ i, first: output.readUInt32LE(0), second: output.readUInt32LE(4) }).toEqual({ i, first: i, second: ~i >>> 0 });
      }
      answered++;
    } else {
      expect({ i, name: (outcome.reason as Error)?.name }).toEqual({ i, name: expect.toBeOneOf(cancelNames) });
      cancelled++;
    }
  });
  return { answered, cancelled };
}

/** Runs a storm on a context of its own and checks what the miniport and the driver saw. */
async function runStorm(
  seed: number, count: number, cancelNames: string[],
  during: (owner: MiracastDevice, context: MiracastContext, s: Storm) => Promise<void> = async () => {},
): Promise<{ answered: number; cancelled: number }> {
  const owner = await openDevice();
  try {
    const context = await owner.createContext();
    const stateBefore = await context.miniport.readState();
    const statsBefore = await device.stats();
    const s = storm(context, count, random(seed));
    await during(owner, context, s);
    const outcomes = await s.outcomes;
    expect(s.settled.filter((n) => n !== 1)).toEqual([]);
    const tally = check(outcomes, cancelNames);
    if (!owner.closed) {
      // The miniport's callback ran once for each message it sent; none was bad; no block left.
      await waitFor(() => context.miniport.readState(), (st) => st.blocksOutstanding === 0, 10_000, 'blocks freed');
      const stateAfter = await context.miniport.readState();
      const sent = stateAfter.messagesSent - stateBefore.messagesSent;
      expect(sent).toBeGreaterThan(0);
      expect(stateAfter.callbacksRun - stateBefore.callbacksRun).toBe(sent);
      expect(stateAfter.badCallbacks - stateBefore.badCallbacks).toBe(0);
    }
    const statsAfter = await waitFor(() => device.stats(), (st) => st.hostMessages === 0 && st.miniportBlocks === 0, 10_000, 'messages done');
    const messages = statsAfter.messagesTotal - statsBefore.messagesTotal - (statsAfter.sendFailures - statsBefore.sendFailures);
    expect(statsAfter.callbacksRun - statsBefore.callbacksRun).toBe(messages);
    return tally;
  } finally {
    await owner.close();
  }
}

const cancels = ['AbortError', 'TimeoutError'];

describe('cancels racing completions', () => {
  it('the responder answering after a tiny delay (seed 1)', async () => {
    await device.configureResponder({ enabled: true, delayMs: 1 });
    const tally = await runStorm(1, 1000, cancels);
    expect(tally.answered).toBeGreaterThan(0);
    expect(tally.cancelled).toBeGreaterThan(0);
  });

  it('the responder answering at once (seed 2)', async () => {
    await device.configureResponder({ enabled: true, delayMs: 0 });
    const tally = await runStorm(2, 1000, cancels);
    expect(tally.answered).toBeGreaterThan(0);
  });

  it('callbacks run before the send returns (callbackInline fault, seed 3)', async () => {
    await device.configureResponder({ enabled: true, delayMs: 1 });
    await device.injectFault({ kind: 'callbackInline', count: 100_000 });
    const tally = await runStorm(3, 1000, cancels);
    expect(tally.answered).toBeGreaterThan(0);
  });

  it('an agent answering on its own schedule (seed 4)', async () => {
    const rnd = random(40);
    const umd = await openDevice();
    try {
      const agent = await umd.attachAgent(({ input }) => {
        const when = Math.floor(rnd() * 3);
        if (when === 0) return { output: input };
        return new Promise((resolve) => {
          if (when === 1) setImmediate(() => resolve({ output: input }));
          else setTimeout(() => resolve({ output: input }), 1);
        });
      });
      const tally = await runStorm(4, 1000, cancels);
      expect(tally.answered).toBeGreaterThan(0);
      expect(tally.cancelled).toBeGreaterThan(0);
      await agent.detach();
    } finally {
      await umd.close();
    }
  });

  it('the handle closing in the middle of the storm (seed 5)', async () => {
    await device.configureResponder({ enabled: true, delayMs: 1 });
    const tally = await runStorm(5, 1000, [...cancels], async (owner) => {
      await waitFor(async () => owner.inFlight, (n) => n >= 100, 10_000, 'sends in flight');
      await owner.close();
    });
    expect(tally.cancelled).toBeGreaterThan(0);
  });
});
