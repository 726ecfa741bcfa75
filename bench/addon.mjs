// The addon, through the library as users call it (dist/index.mjs).
//
//   node addon.mjs echo CALLS [BYTES]                  await device.echo() one call after the other
//   node addon.mjs send IN_FLIGHT COMPLETIONS [BYTES]  ctx.sendMessage() answered by the kernel responder,
//                                                      IN_FLIGHT kept in flight (each completion re-issues)
//   node addon.mjs lag IN_FLIGHT COMPLETIONS [BYTES]   the same, while sampling event-loop lag
//   node addon.mjs idle MS                             event-loop lag with nothing in flight (the floor)
//
// Prints one JSON line. Runs inside the Windows Node of the Wine lane (or on Windows).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openDevice } from '../dist/index.mjs';
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
 */
function pump(context, inFlight, completions, bytes, probe) {
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
      const promise = context.sendMessage(payload, { outputSize: bytes });
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

async function send(inFlight, completions, bytes, sampleLag) {
  const device = await openDevice();
  let context;
  try {
    context = await device.createContext();
    await device.configureResponder({ enabled: true });
    await pump(context, inFlight, Math.min(1000, Math.floor(completions / 10) + inFlight), bytes);   // warm-up
    const probe = sampleLag ? { issueMs: 0, completions: 0 } : undefined;
    const stop = sampleLag ? startLagSampling(probe) : undefined;
    const { done, elapsed } = await pump(context, inFlight, completions, bytes, probe);
    const lag = stop?.();
    return {
      peer: 'addon', mode: sampleLag ? 'lag' : 'send', inFlight, completions: done, failed: 0, bytes,
      perSecond: done / (elapsed / 1000),
      ...(lag ? { lagMs: lag, issueUsPerCall: (probe.issueMs * 1000) / done } : {}),
    };
  } finally {
    await device.configureResponder({ enabled: false }).catch(() => {});
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
else if ((mode === 'send' || mode === 'lag') && n[0] > 0 && n[1] > 0) result = await send(n[0], n[1], n[2] || 16, mode === 'lag');
else if (mode === 'idle' && n[0] > 0) result = await idle(n[0]);
else {
  console.error('usage: addon.mjs echo CALLS [BYTES] | send|lag IN_FLIGHT COMPLETIONS [BYTES] | idle MS');
  process.exit(2);
}
console.log(JSON.stringify(result));
