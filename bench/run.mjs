// The benchmark driver: runs the raw C client (mhclient.exe), the addon (addon.mjs) and koffi
// (koffi.mjs) on the same IOCTLs, one measurement at a time (bench-send needs the device's single
// Miracast context), in ROUNDS interleaved rounds, and writes every run and the medians to
// build/bench-results.json. Each measurement is its own process. scripts/bench.sh runs this
// inside the Windows Node of the Wine lane; bench/report.mjs prints the table.
//
// Environment: BENCH_ROUNDS (default 3), BENCH_ECHO_CALLS (3000), BENCH_SEND_COMPLETIONS (5000),
// BENCH_LAG_COMPLETIONS (10000), BENCH_OUT (build/bench-results.json).
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
  rounds: intEnv('BENCH_ROUNDS', 3),
  echoCalls: intEnv('BENCH_ECHO_CALLS', 3000),
  echoBytes: 5,                 // mhclient bench-echo's default
  sendCompletions: intEnv('BENCH_SEND_COMPLETIONS', 5000),
  sendBytes: 16,                // mhclient bench-send's default (input and output size)
  inFlight: [1, 16, 256],
  lagInFlight: 256,
  lagCompletions: intEnv('BENCH_LAG_COMPLETIONS', 10000),
  idleLagMs: 1000,
};

const PEERS = {
  c: (args) => [clientExe, args],
  addon: (args) => [process.execPath, [path.join(here, 'addon.mjs'), ...args]],
  koffi: (args) => [process.execPath, [path.join(here, 'koffi.mjs'), ...args]],
};

/** Runs one measurement process and returns the JSON line it printed. */
function measure(peer, args) {
  const [file, argv] = PEERS[peer](args.map(String));
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: 180_000, maxBuffer: 16 << 20, windowsHide: true }, (error, stdout, stderr) => {
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

// One round, in order. Within each group the peers' order flips every other round, so that a
// drift of the machine (another lane starting, thermal) does not always favour the same peer.
function plan(round) {
  const flip = (list) => (round % 2 ? [...list].reverse() : list);
  const steps = [];
  for (const peer of flip(['c', 'addon', 'koffi'])) {
    steps.push({ id: `echo/${peer}`, peer, args: peer === 'c'
      ? ['bench-echo', config.echoCalls, config.echoBytes]
      : ['echo', config.echoCalls, config.echoBytes] });
  }
  for (const n of config.inFlight) {
    for (const peer of flip(n === 1 ? ['c', 'addon', 'koffi'] : ['c', 'addon'])) {
      const args = peer === 'c' ? ['bench-send', n, config.sendCompletions, config.sendBytes]
        : peer === 'addon' ? ['send', n, config.sendCompletions, config.sendBytes]
        : ['send', config.sendCompletions, config.sendBytes];   // koffi: synchronous, one in flight
      steps.push({ id: `send${n}/${peer}`, peer, args });
    }
  }
  steps.push({ id: 'lag/addon', peer: 'addon', args: ['lag', config.lagInFlight, config.lagCompletions, config.sendBytes] });
  steps.push({ id: 'idle/addon', peer: 'addon', args: ['idle', config.idleLagMs] });
  return steps;
}

function describe(result) {
  if (result.usPerCall !== undefined) return `${result.usPerCall.toFixed(1)} us/call`;
  const lag = result.lagMs ? ` lag p50 ${result.lagMs.interval.p50.toFixed(1)} p99 ${result.lagMs.interval.p99.toFixed(1)} max ${result.lagMs.interval.max.toFixed(1)} ms` : '';
  const rate = result.perSecond !== undefined ? `${Math.round(result.perSecond)} /s` : '';
  return `${rate}${lag}`.trim();
}

const runs = [];
const started = new Date();
console.log(`[bench] ${config.rounds} rounds: echo ${config.echoCalls} calls of ${config.echoBytes} bytes; ` +
  `sendMessage ${config.sendCompletions} completions of ${config.sendBytes} bytes at ${config.inFlight.join('/')} in flight; ` +
  `lag at ${config.lagInFlight} in flight over ${config.lagCompletions} completions`);
for (let round = 0; round < config.rounds; round++) {
  for (const step of plan(round)) {
    const result = await measure(step.peer, step.args);
    if (result.failed) throw new Error(`${step.id}: ${result.failed} failed`);
    runs.push({ round, id: step.id, peer: step.peer, ...result });
    console.log(`[bench] round ${round + 1}/${config.rounds} ${step.id.padEnd(12)} ${describe(result)}`);
  }
}

// ------------------------------------------------------------------ summary
const pick = (id, field) => runs.filter((r) => r.id === id).map((r) => r[field]);
const byRound = (idA, idB, field) => {
  const ratios = [];
  for (let round = 0; round < config.rounds; round++) {
    const a = runs.find((r) => r.id === idA && r.round === round)?.[field];
    const b = runs.find((r) => r.id === idB && r.round === round)?.[field];
    if (a !== undefined && b !== undefined) ratios.push(a / b);
  }
  return ratios;
};
const entry = (id, field) => {
  const values = pick(id, field);
  return values.length ? { median: median(values), runs: values } : undefined;
};
const ratio = (idA, idB, field) => {
  const a = entry(idA, field);
  const b = entry(idB, field);
  return a && b ? { value: a.median / b.median, perRound: byRound(idA, idB, field) } : undefined;
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
    addon: entry(`send${n}/addon`, 'perSecond'),
    koffi: entry(`send${n}/koffi`, 'perSecond'),
    addonToC: ratio(`send${n}/addon`, `send${n}/c`, 'perSecond'),
    koffiToC: ratio(`send${n}/koffi`, `send${n}/c`, 'perSecond'),
  }])),
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
    };
  })(),
  idleLag: (() => {
    const idleRuns = runs.filter((r) => r.id === 'idle/addon');
    return {
      interval: summarize(idleRuns.flatMap((r) => r.lagMs.interval.samplesMs)),
      histogram: { p99: median(idleRuns.map((r) => r.lagMs.histogram.p99)) },
    };
  })(),
};

const aims = [
  {
    name: "addon per-call cost within 5 % of the raw C client's (echo)",
    measured: summary.echo.addonToC.value, target: '<= 1.05x', met: summary.echo.addonToC.value <= 1.05,
  },
  ...config.inFlight.filter((n) => n >= 16).map((n) => ({
    name: `addon sendMessage throughput at ${n} in flight at least the raw C client's`,
    measured: summary.send[n].addonToC.value, target: '>= 1.00x', met: summary.send[n].addonToC.value >= 1,
  })),
  {
    name: `event-loop lag p99 under 20 ms with ${config.lagInFlight} sendMessage in flight (setInterval 1 ms sampler)`,
    measured: summary.lag.interval.p99, target: '< 20 ms', met: summary.lag.interval.p99 < 20,
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
  },
  config,
  summary,
  aims,
  runs,
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(`[bench] results written to ${path.relative(root, outFile)}`);
