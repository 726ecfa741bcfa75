// The benchmark driver: runs the raw C client (mhclient.exe), the addon (addon.mjs) and koffi
// (koffi.mjs) on the same IOCTLs, one measurement at a time (bench-send needs the device's single
// Miracast context), in ROUNDS rounds of interleaved runs (see plan()), and writes every run and
// the medians to build/bench-results.json. Each measurement is its own process. scripts/bench.sh runs this
// inside the Windows Node of the Wine lane; bench/report.mjs prints the table.
//
// Peers for sendMessage: the raw C client with one IOCTL per message (c, the classic peer) and with
// the batched protocol (cb: BATCH_SUBMIT_REAP / BATCH_REAP, what the protocol itself can do), the addon
// (whose sendMessage travels through the batched transport), the addon with every send its own
// SEND_MESSAGE IOCTL (ac: MIRACAST_HIL_CLASSIC_SENDS=1, the path every send took before the batched
// transport: "today" in issue #14's aims) and koffi (one in flight).
// After the rounds: native memory per message in flight, and a soak (RSS over many messages).
//
// Environment: BENCH_ROUNDS (default 4), BENCH_ECHO_CALLS (3000), BENCH_SEND_COMPLETIONS (5000; twice
// that at 16 in flight, six times at 256 and thirty times for the batched peers there, see
// sendCompletionsAt),
// BENCH_LAG_COMPLETIONS (60000), BENCH_LAG_WARM_UP (20000), BENCH_MEMORY_IN_FLIGHT (10000),
// BENCH_SOAK_MESSAGES (1000000), BENCH_OUT (build/bench-results.json).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median, summarize } from './stats.mjs';

const here = import.meta.dirname;
const root = path.resolve(here, '..');
const clientExe = path.join(root, 'build', 'driver', 'mhclient.exe');
const outFile = path.resolve(root, process.env.BENCH_OUT ?? 'build/bench-results.json');

const intEnv = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const config = {
  rounds: intEnv('BENCH_ROUNDS', 4),
  echoCalls: intEnv('BENCH_ECHO_CALLS', 3000),
  echoBytes: 5,                 // mhclient bench-echo's default
  sendCompletions: intEnv('BENCH_SEND_COMPLETIONS', 5000),
  sendBytes: 16,                // mhclient bench-send's default (input and output size)
  inFlight: [1, 16, 256],
  lagInFlight: 256,
  ioControlInFlight: 256,       // the ioControl storm (no aim set by issue #14: its ratio is printed without a verdict)
  // The lag run samples a steady state: 60000 completions (1-2 s here, 1,000+ ticks per round) after a
  // warm-up of 20000 whose lag is reported apart (the first ~100 ms hold V8's tier-up and first heap
  // growth: with 10000 completions and 1000 warm-up messages those few ticks were most of a p99).
  lagCompletions: intEnv('BENCH_LAG_COMPLETIONS', 60000),
  lagWarmUp: intEnv('BENCH_LAG_WARM_UP', 20000),
  idleLagMs: 500,
  memoryInFlight: intEnv('BENCH_MEMORY_IN_FLIGHT', 10000),
  soakMessages: intEnv('BENCH_SOAK_MESSAGES', 1000000),
  soakInFlight: 256,
  // "No slower than today" at 1 in flight: the batched addon against its classic path (ac) in the
  // same run, judged with the run-to-run spread of one peer here (2-3 % between the two runs of a
  // round) as the tolerance.
  noSlowerTolerance: 0.97,
};
// A run at 256 in flight starts with 256 sends issued at once and ends with the last 256 draining,
// and that ramp weighs on the ratios when it is a large part of the run: so the deeper levels run
// longer, and at 256 the batched peers (C batched and the addon) five times longer again (at
// 150,000+ sends/s a 30,000-message run of the batched C client lasts a sixth of a second; the
// classic peers' 30,000 already take 10-15 s each).
const batchedPeer = (peer) => peer === 'cb' || peer === 'addon';
const sendCompletionsAt = (n, peer) =>
  config.sendCompletions * (n >= 256 ? (batchedPeer(peer) ? 30 : 6) : n >= 16 ? 2 : 1);
const sendCompletionsText = (n) => n >= 256
  ? `${sendCompletionsAt(n, 'c')} (batched peers ${sendCompletionsAt(n, 'cb')})` : `${sendCompletionsAt(n, 'c')}`;

const PEERS = {
  c: (args) => [clientExe, args],
  cb: (args) => [clientExe, args],
  addon: (args, nodeFlags = []) => [process.execPath, ['--expose-gc', ...nodeFlags, path.join(here, 'addon.mjs'), ...args]],
  ac: (args, nodeFlags) => PEERS.addon(args, nodeFlags),   // the addon, with MIRACAST_HIL_CLASSIC_SENDS=1 (measure)
  koffi: (args) => [process.execPath, [path.join(here, 'koffi.mjs'), ...args]],
};

/** Runs one measurement process (given timeoutMs; nodeFlags for a Node peer) and returns the JSON line it printed. */
function measure(peer, args, timeoutMs = 180_000, nodeFlags = []) {
  const [file, argv] = PEERS[peer](args.map(String), nodeFlags);
  return new Promise((resolve, reject) => {
    const env = peer === 'ac' ? { ...process.env, MIRACAST_HIL_CLASSIC_SENDS: '1' } : process.env;
    execFile(file, argv, { timeout: timeoutMs, maxBuffer: 16 << 20, windowsHide: true, env }, (error, stdout, stderr) => {
      const line = String(stdout).trim().split(/\r?\n/).reverse().find((l) => l.startsWith('{'));
      if (error || !line) {
        const why = error ? (error.killed ? 'timed out' : `exit ${error.code}`) : 'no JSON line';
        reject(new Error(`${peer} ${args.join(' ')}: ${why}\n${String(stderr).trim()}\n${String(stdout).trim()}`));
        return;
      }
      resolve(JSON.parse(line));
    });
  });
}

// One round, in order. Each group runs its peers in a mirrored order (A B C C B A): each peer's
// two runs sit symmetrically around the group's middle, so a steady drift of the machine (another
// lane starting, a busy neighbour) weighs on every peer alike. Every other round starts with
// another peer.
function plan(round) {
  const mirrored = (list) => {
    const order = round % 2 ? [...list].reverse() : list;
    return [...order, ...[...order].reverse()];
  };
  const steps = [];
  for (const peer of mirrored(['c', 'addon', 'koffi'])) {
    steps.push({ id: `echo/${peer}`, peer, args: peer === 'c'
      ? ['bench-echo', config.echoCalls, config.echoBytes]
      : ['echo', config.echoCalls, config.echoBytes] });
  }
  for (const n of config.inFlight) {
    for (const peer of mirrored(n === 1 ? ['c', 'cb', 'ac', 'addon', 'koffi'] : ['c', 'cb', 'ac', 'addon'])) {
      const count = sendCompletionsAt(n, peer);
      const args = peer === 'c' ? ['bench-send', n, count, config.sendBytes]
        : peer === 'cb' ? ['bench-send-batched', n, count, config.sendBytes]
        : peer === 'addon' || peer === 'ac' ? ['send', n, count, config.sendBytes]
        : ['send', count, config.sendBytes];   // koffi: synchronous, one in flight
      steps.push({ id: `send${n}/${peer}`, peer, args });
    }
  }
  for (const peer of mirrored(['c', 'addon'])) {
    steps.push({ id: 'iocontrol/' + peer, peer, args: [peer === 'c' ? 'bench-iocontrol' : 'iocontrol',
      config.ioControlInFlight, config.sendCompletions, config.sendBytes] });
  }
  steps.push({ id: 'lag/addon', peer: 'addon', args: ['lag', config.lagInFlight, config.lagCompletions, config.sendBytes, config.lagWarmUp] });
  steps.push({ id: 'idle/addon', peer: 'addon', args: ['idle', config.idleLagMs] });
  return steps;
}

function describe(result) {
  if (result.usPerCall !== undefined) return `${result.usPerCall.toFixed(1)} us/call`;
  const lag = result.lagMs ? ` lag p50 ${result.lagMs.interval.p50.toFixed(1)} p99 ${result.lagMs.interval.p99.toFixed(1)} max ${result.lagMs.interval.max.toFixed(1)} ms` : '';
  const rate = result.perSecond !== undefined ? `${Math.round(result.perSecond)} /s` : '';
  return `${rate}${lag}`.trim();
}

// The Linux host's load average (Wine maps / to drive Z:), read at the start of each round: Wine
// figures move with the machine's load, e.g. when another lane runs the test suite meanwhile.
function hostLoad() {
  try {
    return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

const runs = [];
const loadPerRound = [];
const started = new Date();
console.log(`[bench] ${config.rounds} rounds: echo ${config.echoCalls} calls of ${config.echoBytes} bytes; ` +
  `sendMessage ${config.inFlight.map(sendCompletionsText).join('/')} completions of ${config.sendBytes} bytes at ${config.inFlight.join('/')} in flight; ` +
  `lag at ${config.lagInFlight} in flight over ${config.lagCompletions} completions after ${config.lagWarmUp}`);
// A throwaway pass first: the first run after the lane starts pays for cold caches (node.exe,
// koffi and the addon loading for the first time) and would land in round 1's figures.
for (const peer of ['c', 'addon', 'koffi']) {
  await measure(peer, peer === 'c' ? ['bench-echo', 300, config.echoBytes] : ['echo', 300, config.echoBytes]);
}
console.log('[bench] warm-up pass done (not counted)');
for (let round = 0; round < config.rounds; round++) {
  loadPerRound.push(hostLoad());
  for (const step of plan(round)) {
    const result = await measure(step.peer, step.args);
    if (result.failed) throw new Error(`${step.id}: ${result.failed} failed`);
    runs.push({ round, id: step.id, peer: step.peer, ...result });
    console.log(`[bench] round ${round + 1}/${config.rounds} ${step.id.padEnd(12)} ${describe(result)}`);
  }
}
// Native memory by RSS, twice: with V8's young generation held at 1 MiB per semi-space, and with
// Node's defaults. Holding 10,000 sends grows the JavaScript heap by ~19 MB (the promises and the
// library's chain per send); with the defaults V8 also grows its new space to 16 MiB per
// semi-space, whose touched pages stay in RSS after the collection while holding nothing live.
// Those pages are JavaScript heap, not native memory, yet "RSS less the live heap" counts them;
// the pinned run leaves them out, so its figure is the native bound (the aim's), and the default
// run's is shown beside it.
const memoryRun = await measure('addon', ['memory', config.memoryInFlight], 180_000, ['--max-semi-space-size=1']);
const memoryDefaultRun = await measure('addon', ['memory', config.memoryInFlight]);
console.log(`[bench] memory: ${memoryRun.nativeBytesPerMessage.toFixed(0)} B native per message in flight (${config.memoryInFlight} held; ` +
  `V8's new space held at 1 MiB), ${memoryDefaultRun.nativeBytesPerMessage.toFixed(0)} B with Node's default new space`);
// The soak's length is its message count: at a few thousand per second, a million take minutes.
// The soak starts V8's new space at the size Node's defaults let it grow to (16 MiB per
// semi-space): with the defaults it grows there in steps somewhere in the first million or so
// messages (the fewer objects per message, the later), and each step adds 16 MiB of RSS that is
// the JavaScript heap's, not a leak, yet would land in the slope.
const soakRun = await measure('addon', ['soak', config.soakMessages, config.soakInFlight, config.sendBytes], 60 * 60_000,
  ['--min-semi-space-size=16']);
console.log(`[bench] soak: ${soakRun.completions} messages, RSS ${soakRun.rssStartMiB.toFixed(1)} -> ${soakRun.rssEndMiB.toFixed(1)} MiB ` +
  `(${soakRun.rssMiBPerMillion.toFixed(2)} MiB per million after the warm-up)`);

// ------------------------------------------------------------------ summary
// A peer's figure for one round: the mean of its (two) runs in that round.
const roundValue = (id, round, field) => {
  const values = runs.filter((r) => r.id === id && r.round === round).map((r) => r[field]);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
};
const perRound = (id, field) => {
  const values = [];
  for (let round = 0; round < config.rounds; round++) {
    const value = roundValue(id, round, field);
    if (value !== undefined) values.push(value);
  }
  return values;
};
const entry = (id, field) => {
  const rounds = perRound(id, field);
  return rounds.length
    ? { median: median(rounds), rounds, runs: runs.filter((r) => r.id === id).map((r) => r[field]) }
    : undefined;
};
const ratio = (idA, idB, field) => {
  const a = entry(idA, field);
  const b = entry(idB, field);
  if (!a || !b) return undefined;
  // value: the ratio of the medians (what the table's columns show); paired: the median of the
  // per-round ratios, whose runs were interleaved (less exposed to the machine's drift).
  const ratios = perRound(idA, field).map((v, i) => v / perRound(idB, field)[i]);
  return { value: a.median / b.median, paired: median(ratios), perRound: ratios };
};

const summary = {
  echo: {
    c: entry('echo/c', 'usPerCall'),
    addon: entry('echo/addon', 'usPerCall'),
    koffi: entry('echo/koffi', 'usPerCall'),
    addonToC: ratio('echo/addon', 'echo/c', 'usPerCall'),
    koffiToC: ratio('echo/koffi', 'echo/c', 'usPerCall'),
  },
  send: Object.fromEntries(config.inFlight.map((n) => [n, {
    c: entry(`send${n}/c`, 'perSecond'),
    cb: entry(`send${n}/cb`, 'perSecond'),
    ac: entry(`send${n}/ac`, 'perSecond'),
    addon: entry(`send${n}/addon`, 'perSecond'),
    koffi: entry(`send${n}/koffi`, 'perSecond'),
    completions: sendCompletionsText(n),
    addonToC: ratio(`send${n}/addon`, `send${n}/c`, 'perSecond'),
    addonToCb: ratio(`send${n}/addon`, `send${n}/cb`, 'perSecond'),
    addonToAc: ratio(`send${n}/addon`, `send${n}/ac`, 'perSecond'),
    cbToC: ratio(`send${n}/cb`, `send${n}/c`, 'perSecond'),
    koffiToC: ratio(`send${n}/koffi`, `send${n}/c`, 'perSecond'),
    // The addon's JavaScript-thread CPU per message (no lag sampler running), and the benchmark
    // loop's own share of it (the same loop over a stub).
    jsThreadUs: entry(`send${n}/addon`, 'jsThreadUsPerMessage'),
    loopUs: entry(`send${n}/addon`, 'loopUsPerMessage'),
    // What each peer's messages cost the driver, from its counters over the measured loop: IOCTLs
    // it dispatched and callback-worker wake-ups, per message (koffi's runs do not read them).
    perMessage: Object.fromEntries(['c', 'cb', 'ac', 'addon'].map((peer) => [peer, {
      ioctls: entry(`send${n}/${peer}`, 'ioctlsPerMessage')?.median,
      callbackWakes: entry(`send${n}/${peer}`, 'callbackWakesPerMessage')?.median,
    }])),
  }])),
  ioControl: {
    inFlight: config.ioControlInFlight,
    c: entry('iocontrol/c', 'perSecond'),
    addon: entry('iocontrol/addon', 'perSecond'),
    addonToC: ratio('iocontrol/addon', 'iocontrol/c', 'perSecond'),
  },
  lag: (() => {
    const lagRuns = runs.filter((r) => r.id === 'lag/addon');
    return {
      inFlight: config.lagInFlight,
      // Every late-tick sample of every round, pooled: the p99 of one round rests on ~100-200 ticks.
      interval: summarize(lagRuns.flatMap((r) => r.lagMs.interval.samplesMs)),
      histogram: {
        p50: median(lagRuns.map((r) => r.lagMs.histogram.p50)),
        p99: median(lagRuns.map((r) => r.lagMs.histogram.p99)),
        max: Math.max(...lagRuns.map((r) => r.lagMs.histogram.max)),
      },
      perSecond: median(lagRuns.map((r) => r.perSecond)),
      warmUp: { messages: config.lagWarmUp, interval: summarize(lagRuns.flatMap((r) => r.warmUp.lateMs)) },
      // Why: JavaScript-thread time per sendMessage() issue, and completions settled between two ticks.
      issueUsPerCall: median(lagRuns.map((r) => r.issueUsPerCall)),
      jsThreadUsPerMessage: median(lagRuns.map((r) => r.jsThreadUsPerMessage)),
      completionsPerTick: {
        p50: median(lagRuns.map((r) => r.lagMs.completionsPerTick.p50)),
        max: Math.max(...lagRuns.map((r) => r.lagMs.completionsPerTick.max)),
      },
    };
  })(),
  memory: { inFlight: config.memoryInFlight, nativeBytesPerMessage: memoryRun.nativeBytesPerMessage,
    heldBytesPerMessage: memoryRun.heldBytesPerMessage, rssBytes: memoryRun.rssBytes, heapBytes: memoryRun.heapBytes,
    defaultNewSpace: { nativeBytesPerMessage: memoryDefaultRun.nativeBytesPerMessage, rssBytes: memoryDefaultRun.rssBytes,
      heapBytes: memoryDefaultRun.heapBytes } },
  soak: { messages: soakRun.completions, warmUp: soakRun.warmUp, inFlight: soakRun.inFlight, perSecond: soakRun.perSecond,
    rssStartMiB: soakRun.rssStartMiB, rssEndMiB: soakRun.rssEndMiB, rssMiBPerMillion: soakRun.rssMiBPerMillion,
    heapStartMiB: soakRun.heapStartMiB, heapEndMiB: soakRun.heapEndMiB,
    samples: soakRun.samples },
  idleLag: (() => {
    const idleRuns = runs.filter((r) => r.id === 'idle/addon');
    return {
      interval: summarize(idleRuns.flatMap((r) => r.lagMs.interval.samplesMs)),
      histogram: { p99: median(idleRuns.map((r) => r.lagMs.histogram.p99)) },
    };
  })(),
};

// Judged on the ratio of the medians; `pairedMet` says what the paired ratios say (they may disagree
// when the figures moved a lot between rounds: then the verdict is within the noise).
const ratioAim = (name, ratio, target, ok) => ({
  name, measured: ratio.value, paired: ratio.paired, target, met: ok(ratio.value), pairedMet: ok(ratio.paired),
});
const aims = [
  ratioAim("addon per-call cost within 5 % of the raw C client's (echo)", summary.echo.addonToC, '<= 1.05x', (v) => v <= 1.05),
  ratioAim("sendMessage/s at 256 in flight at least 3x the one-IOCTL-per-message raw C client's", summary.send[256].addonToC, '>= 3.00x', (v) => v >= 3),
  ratioAim("sendMessage/s at 256 in flight 5x the one-IOCTL-per-message raw C client's (the aim)", summary.send[256].addonToC, '>= 5.00x', (v) => v >= 5),
  ratioAim("sendMessage/s at 256 in flight at least 0.8x the batched raw C client's", summary.send[256].addonToCb, '>= 0.80x', (v) => v >= 0.8),
  ratioAim("sendMessage/s at 16 in flight at least 2x the one-IOCTL-per-message raw C client's", summary.send[16].addonToC, '>= 2.00x', (v) => v >= 2),
  ratioAim('sendMessage/s at 1 in flight no slower than today: the addon with every send its own SEND_MESSAGE IOCTL, ' +
    `as before the batched transport, in the same run (tolerance: ${Math.round((1 - config.noSlowerTolerance) * 100)} %, one peer's run-to-run spread)`,
    summary.send[1].addonToAc, `>= ${config.noSlowerTolerance.toFixed(2)}x`, (v) => v >= config.noSlowerTolerance),
  {
    name: `event-loop lag p99 under 5 ms with ${config.lagInFlight} sendMessage in flight (setInterval 1 ms sampler)`,
    measured: summary.lag.interval.p99, target: '< 5 ms', met: summary.lag.interval.p99 < 5,
  },
  {
    name: 'JavaScript-thread CPU time per sendMessage under 20 µs (256 in flight, no sampler; process.threadCpuUsage: ' +
      `the JavaScript thread alone, the benchmark's loop included, ${summary.send[256].loopUs?.median.toFixed(1)} µs of it)`,
    measured: summary.send[256].jsThreadUs?.median, target: '< 20 µs', met: summary.send[256].jsThreadUs?.median < 20,
  },
  {
    name: `native memory per sendMessage in flight under 1 KiB, as the addon counts it (${config.memoryInFlight} held; engineState().heldBytes)`,
    measured: summary.memory.heldBytesPerMessage, target: '< 1024 B', met: summary.memory.heldBytesPerMessage < 1024,
  },
  {
    name: `native memory per sendMessage in flight under 1 KiB, RSS bound (${config.memoryInFlight} held; RSS growth less the live JS heap's, ` +
      `an upper bound, V8's new space held at 1 MiB; ${summary.memory.defaultNewSpace.nativeBytesPerMessage.toFixed(0)} B with Node's default new space, whose touched pages it also counts)`,
    measured: summary.memory.nativeBytesPerMessage, target: '< 1024 B', met: summary.memory.nativeBytesPerMessage < 1024,
  },
  {
    name: `RSS flat over ${summary.soak.messages} messages (slope over them all, after an unsampled warm-up of ${summary.soak.warmUp} until V8's heap stopped growing; V8's new space started at its default maximum; MiB per million)`,
    measured: summary.soak.rssMiBPerMillion, target: '< 2 MiB', met: Math.abs(summary.soak.rssMiBPerMillion) < 2,
  },
];

const results = {
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  host: {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    lane: process.env.MH_LANE_ID ?? '',
    loadBefore: process.env.BENCH_LOAD_BEFORE ?? '',
    otherWineServers: process.env.BENCH_OTHER_WINESERVERS ?? '',
    pinnedCpus: process.env.BENCH_CPUS ?? '',
    loadPerRound,
    loadAfter: hostLoad(),
  },
  config,
  summary,
  aims,
  runs,
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(`[bench] results written to ${path.relative(root, outFile)}`);
