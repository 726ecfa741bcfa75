// The addon, through the library as users call it (dist/index.mjs).
//
//   node addon.mjs echo CALLS [BYTES]                  await device.echo() one call after the other
//   node addon.mjs send IN_FLIGHT COMPLETIONS [BYTES]  ctx.sendMessage() answered by the kernel responder,
//                                                      IN_FLIGHT kept in flight (each completion re-issues)
//   node addon.mjs lag IN_FLIGHT COMPLETIONS [BYTES [WARM_UP]]  the same, while sampling event-loop lag, after
//                                                      WARM_UP messages (20000) whose lag is reported apart
//   node addon.mjs idle MS                             event-loop lag with nothing in flight (the floor)
//   node addon.mjs memory IN_FLIGHT                    native memory per sendMessage held in flight
//   node addon.mjs soak COMPLETIONS IN_FLIGHT [BYTES]  RSS sampled over a long run (flat or not), after
//                                                      an unsampled warm-up until V8's heap stops growing
//   node addon.mjs iocontrol IN_FLIGHT COMPLETIONS [BYTES]  ctx.miniport.echo() (DxgkDdiMiracastIoControl),
//                                                      IN_FLIGHT kept in flight: an ioControl storm
//
// send also reports what the driver's counters (device.stats()) moved by over the measured run, per
// message: every IOCTL the driver dispatched (of any handle) and every callback-worker wake-up, read
// the same way as the raw C client's send and send-batched do.
// send and lag also report the JavaScript thread's CPU time per message (process.threadCpuUsage():
// GetThreadTimes of the JavaScript thread alone, user and kernel time, so not the engine's
// completion and submitter threads nor the GC's helpers): everything the thread did over the run -
// sendMessage's checks and issue, the settling, the promise reactions, microtasks, GC on that
// thread, and the benchmark's own loop - divided by the messages. `loopUsPerMessage` is the share
// of the benchmark's own loop: the same pump over a stub whose sendMessage resolves at once.
// memory also reports the bytes the addon itself counts per request in flight
// (engineState().heldBytes: Request, buffer, container nodes, queued records).
//
// Prints one JSON line. Runs inside the Windows Node of the Wine lane (or on Windows).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { engineState, openDevice } from '../dist/index.mjs';
import { summarize } from './stats.mjs';

async function echo(calls, bytes) {
  const device = await openDevice();
  try {
    const data = Buffer.alloc(bytes, 0x5a);
    for (let i = 0; i < Math.floor(calls / 10) + 1; i++) await device.echo(data);   // warm-up, as the C client
    const check = await device.echo(data);
    if (!check.equals(data)) throw new Error('echo returned other bytes');
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      const out = await device.echo(data);
      if (out.length !== bytes) throw new Error(`echo returned ${out.length} bytes`);
    }
    const elapsed = performance.now() - start;
    return { peer: 'addon', mode: 'echo', calls, bytes, usPerCall: (elapsed * 1000) / calls };
  } finally {
    await device.close();
  }
}

/**
 * Keeps `inFlight` sendMessage calls in flight until `completions` have completed; resolves to
 * the counts and time. With a `probe`, also adds up the JavaScript-thread time spent inside
 * sendMessage() before it returns its promise (the overlapped issue), and counts completions.
 * `call` issues one request instead (resolving to an object with a `status`, 0 for success).
 */
function pump(context, inFlight, completions, bytes, probe, call = (payload) => context.sendMessage(payload, { outputSize: bytes })) {
  const payload = Buffer.alloc(bytes, 0x5a);
  return new Promise((resolve, reject) => {
    let issued = 0;
    let done = 0;
    let failed = 0;
    let firstError;
    const start = performance.now();
    const settle = () => {
      if (done + failed < issued) return;
      const elapsed = performance.now() - start;
      if (failed) reject(Object.assign(firstError, { message: `${failed} of ${issued} sends failed: ${firstError.message}` }));
      else resolve({ done, elapsed });
    };
    const issue = () => {
      issued++;
      const t0 = probe ? performance.now() : 0;
      const promise = call(payload);
      if (probe) probe.issueMs += performance.now() - t0;
      promise.then(
        (result) => {
          if (result.status !== 0) {
            failed++;
            firstError ??= new Error(`answered with status 0x${result.status.toString(16)}`);
          } else {
            done++;
          }
          if (probe) probe.completions++;
          if (issued < completions && failed === 0) issue();
          else settle();
        },
        (error) => {
          failed++;
          firstError ??= error;
          settle();   // stop issuing: a failed measurement is reported, not retried
        },
      );
    };
    for (let i = 0; i < inFlight && issued < completions; i++) issue();
  });
}

/** The benchmark loop's own JavaScript-thread time per message: pump() over a stub sendMessage. */
async function loopCost(inFlight, completions) {
  const result = { status: 0 };
  const stub = { sendMessage: () => Promise.resolve(result) };
  const before = process.threadCpuUsage();
  await pump(stub, inFlight, completions, 16);
  const cpu = process.threadCpuUsage(before);
  return (cpu.user + cpu.system) / completions;
}

/**
 * Two views of event-loop lag, started together:
 *   - interval: a setInterval(1 ms) records how late each tick fires (gap - 1 ms);
 *   - histogram: perf_hooks.monitorEventLoopDelay({ resolution: 1 }) (Node's own sampler).
 */
function startLagSampling(probe) {
  const lateMs = [];
  const completionsPerTick = [];
  let last = performance.now();
  let lastCompletions = probe?.completions ?? 0;
  const timer = setInterval(() => {
    const now = performance.now();
    lateMs.push(Math.max(0, now - last - 1));
    last = now;
    if (probe) {
      completionsPerTick.push(probe.completions - lastCompletions);
      lastCompletions = probe.completions;
    }
  }, 1);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return () => {
    clearInterval(timer);
    histogram.disable();
    const ms = (ns) => ns / 1e6;
    return {
      interval: { ...summarize(lateMs), samplesMs: lateMs.map((v) => Math.round(v * 100) / 100) },
      histogram: {
        samples: histogram.count,
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
      },
      ...(probe ? { completionsPerTick: summarize(completionsPerTick) } : {}),
    };
  };
}

async function send(inFlight, completions, bytes, sampleLag, lagWarmUp) {
  const device = await openDevice();
  let context;
  try {
    context = await device.createContext();
    await device.configureResponder({ enabled: true });
    // Warm-up. The lag figure is a steady-state one: its run starts after lagWarmUp messages, whose
    // own lag (V8 tiering up the hot path, the heap's first growth: a few ticks of 5-13 ms in the
    // first ~100 ms here) is sampled and reported beside it, not mixed into it.
    const warmUpStop = sampleLag ? startLagSampling() : undefined;
    await pump(context, inFlight, sampleLag ? lagWarmUp : Math.min(1000, Math.floor(completions / 10) + inFlight), bytes);
    const warmUpLag = warmUpStop?.();
    const probe = sampleLag ? { issueMs: 0, completions: 0 } : undefined;
    const stop = sampleLag ? startLagSampling(probe) : undefined;
    const countersBefore = sampleLag ? undefined : await device.stats();
    const cpuBefore = process.threadCpuUsage();
    const { done, elapsed } = await pump(context, inFlight, completions, bytes, probe);
    const cpu = process.threadCpuUsage(cpuBefore);
    const countersAfter = sampleLag ? undefined : await device.stats();
    const perMessage = (name) => (countersAfter[name] - countersBefore[name]) / done;
    const lag = stop?.();
    const loopUsPerMessage = await loopCost(inFlight, done);
    return {
      peer: 'addon', mode: sampleLag ? 'lag' : 'send', inFlight, completions: done, failed: 0, bytes,
      perSecond: done / (elapsed / 1000),
      jsThreadUsPerMessage: (cpu.user + cpu.system) / done, loopUsPerMessage,
      ...(sampleLag ? {} : { ioctlsPerMessage: perMessage('ioctlsDispatched'), callbackWakesPerMessage: perMessage('callbackWakes') }),
      ...(lag ? { lagMs: lag, issueUsPerCall: (probe.issueMs * 1000) / done,
        warmUp: { messages: lagWarmUp, lateMs: warmUpLag.interval.samplesMs } } : {}),
    };
  } finally {
    await device.configureResponder({ enabled: false }).catch(() => {});
    await context?.destroy().catch(() => {});
    await device.close();
  }
}

/**
 * Native memory per message in flight: N sends held by the kernel responder (a long delay), RSS
 * read before and while they are held (after a full GC each time), less what the JavaScript heap's
 * live objects and external memory grew by (their promises, closures and buffers live there). The
 * device's close cancels them.
 */
async function memory(inFlight) {
  const gc = globalThis.gc ?? (() => {});
  const device = await openDevice();
  let context;
  try {
    context = await device.createContext();
    await device.configureResponder({ enabled: true });
    await pump(context, 256, 2000, 16);   // warm-up: the allocators and the transport's buffers
    gc();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = process.memoryUsage();
    const heldBefore = engineState().heldBytes;
    await device.configureResponder({ enabled: true, delayMs: 30_000 });
    const held = Array.from({ length: inFlight }, () => context.sendMessage(Buffer.alloc(16), { outputSize: 16 }).catch(() => {}));
    while ((await device.stats()).irpsPending < inFlight) await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    const during = process.memoryUsage();
    const counted = engineState().heldBytes - heldBefore;
    const rss = during.rss - before.rss;
    const heap = (during.heapUsed + during.external) - (before.heapUsed + before.external);
    await device.close();   // cancels them in the kernel
    await Promise.all(held);
    return {
      peer: 'addon', mode: 'memory', inFlight, rssBytes: rss, heapBytes: heap,
      rssBytesPerMessage: rss / inFlight, nativeBytesPerMessage: (rss - heap) / inFlight,
      heldBytesPerMessage: counted / inFlight,
    };
  } finally {
    await device.configureResponder({ enabled: false }).catch(() => {});
    await device.close();
  }
}

/**
 * RSS over a long run of sends kept in flight: samples every `every` completions. A warm-up runs
 * first, unsampled, in steps of a twentieth of the run, until three steps in a row leave V8's heap
 * (heapTotal) as they found it (at most half the run): V8 grows its heap in steps to its steady
 * size over the first few hundred thousand messages (the less the library allocates per message,
 * the later it gets there), and that growth is not a leak; what the sampled run judges is what
 * follows.
 */
async function soak(completions, inFlight, bytes) {
  const device = await openDevice();
  let context;
  const samples = [];
  try {
    context = await device.createContext();
    await device.configureResponder({ enabled: true });
    const step = Math.max(1000, Math.floor(completions / 20));
    let warmUp = 0;
    for (let stable = 0, before = NaN; warmUp < completions / 2 && stable < 3;) {
      await pump(context, inFlight, step, bytes);
      warmUp += step;
      const after = process.memoryUsage().heapTotal;
      stable = after === before ? stable + 1 : 0;
      before = after;
    }
    const every = Math.max(1000, Math.floor(completions / 40));
    const start = performance.now();
    let next = 0;
    const probe = { issueMs: 0, completions: 0 };
    const timer = setInterval(() => {
      if (probe.completions >= next) {
        const usage = process.memoryUsage();
        samples.push({ messages: probe.completions, ms: Math.round(performance.now() - start), rssMiB: usage.rss / 1048576,
          heapMiB: usage.heapTotal / 1048576 });
        next += every;
      }
    }, 50);
    const { done, elapsed } = await pump(context, inFlight, completions, bytes, probe);
    clearInterval(timer);
    const last = process.memoryUsage();
    samples.push({ messages: done, ms: Math.round(elapsed), rssMiB: last.rss / 1048576, heapMiB: last.heapTotal / 1048576 });
    // Flat: the least-squares slope of RSS per million messages, over the whole sampled run.
    const judged = samples;
    const n = judged.length;
    const mx = judged.reduce((a, s) => a + s.messages, 0) / n;
    const my = judged.reduce((a, s) => a + s.rssMiB, 0) / n;
    const slope = judged.reduce((a, s) => a + (s.messages - mx) * (s.rssMiB - my), 0) /
      (judged.reduce((a, s) => a + (s.messages - mx) ** 2, 0) || 1);
    return {
      peer: 'addon', mode: 'soak', inFlight, completions: done, warmUp, bytes, perSecond: done / (elapsed / 1000),
      rssStartMiB: judged[0].rssMiB, rssEndMiB: judged[n - 1].rssMiB, rssMiBPerMillion: slope * 1e6,
      heapStartMiB: judged[0].heapMiB, heapEndMiB: judged[n - 1].heapMiB, samples,
    };
  } finally {
    await device.configureResponder({ enabled: false }).catch(() => {});
    await context?.destroy().catch(() => {});
    await device.close();
  }
}

/** An ioControl storm: the test miniport's echo through DxgkDdiMiracastIoControl, `inFlight` kept in flight. */
async function ioControlStorm(inFlight, completions, bytes) {
  const device = await openDevice();
  let context;
  try {
    context = await device.createContext();
    const echo = (payload) => context.miniport.echo(payload).then((out) => ({ status: out.equals(payload) ? 0 : -1 }));
    await pump(context, inFlight, Math.min(1000, Math.floor(completions / 10) + inFlight), bytes, undefined, echo);   // warm-up
    const { done, elapsed } = await pump(context, inFlight, completions, bytes, undefined, echo);
    return { peer: 'addon', mode: 'iocontrol', inFlight, completions: done, failed: 0, bytes, perSecond: done / (elapsed / 1000) };
  } finally {
    await context?.destroy().catch(() => {});
    await device.close();
  }
}

async function idle(ms) {
  const stop = startLagSampling();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { peer: 'addon', mode: 'idle', durationMs: ms, lagMs: stop() };
}

const [mode, ...rest] = process.argv.slice(2);
const n = rest.map(Number);
let result;
if (mode === 'echo' && n[0] > 0) result = await echo(n[0], n[1] || 5);
else if ((mode === 'send' || mode === 'lag') && n[0] > 0 && n[1] > 0) result = await send(n[0], n[1], n[2] || 16, mode === 'lag', n[3] || 20000);
else if (mode === 'idle' && n[0] > 0) result = await idle(n[0]);
else if (mode === 'memory' && n[0] > 0) result = await memory(n[0]);
else if (mode === 'soak' && n[0] > 0 && n[1] > 0) result = await soak(n[0], n[1], n[2] || 16);
else if (mode === 'iocontrol' && n[0] > 0 && n[1] > 0) result = await ioControlStorm(n[0], n[1], n[2] || 16);
else {
  console.error('usage: addon.mjs echo CALLS [BYTES] | send|lag IN_FLIGHT COMPLETIONS [BYTES] | idle MS | memory IN_FLIGHT | soak COMPLETIONS IN_FLIGHT [BYTES] | iocontrol IN_FLIGHT COMPLETIONS [BYTES]');
  process.exit(2);
}
console.log(JSON.stringify(result));
