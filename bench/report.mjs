// Prints the benchmark table from build/bench-results.json (written by bench/run.mjs).
//   node bench/report.mjs [RESULTS.json]
// Runs on any Node (scripts/bench.sh uses the Linux one, after the lane has stopped).
import * as fs from 'node:fs';

const file = process.argv[2] ?? 'build/bench-results.json';
const results = JSON.parse(fs.readFileSync(file, 'utf8'));
const { summary, config, host, aims } = results;

const fixed = (value, digits) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const times = (ratio) => {
  if (!ratio) return '-';
  if (ratio.perRound.length < 2) return `${ratio.value.toFixed(2)}x`;
  const low = Math.min(...ratio.perRound).toFixed(2);
  const high = Math.max(...ratio.perRound).toFixed(2);
  return `${ratio.value.toFixed(2)}x (${ratio.paired.toFixed(2)}x; ${low}-${high})`;
};
const row = (cells, widths) => cells.map((cell, i) => String(cell)[i === 0 ? 'padEnd' : 'padStart'](widths[i])).join('  ');

const widths = [37, 8, 9, 9, 8, 8, 28, 28, 28, 28];
const lines = [];
lines.push('');
lines.push(`miracast-hil benchmark: Windows Node ${host.node} under Wine (lane "${host.lane}"), ` +
  `${config.rounds} rounds.`);
lines.push('Figures: median over the rounds of each peer\'s per-round mean (two runs per round, in mirrored order).');
lines.push('Ratios: median/median (median of the per-round ratios; lowest-highest per-round ratio).');
lines.push(`host: load average before ${host.loadBefore || '?'}; 1-min load at each round start ` +
  `${(host.loadPerRound ?? []).map((v) => fixed(v, 1)).join(', ') || '?'}, after ${fixed(host.loadAfter, 1)} ` +
  `(this benchmark alone keeps it near 1.5-2); other Wine servers running at start: ${host.otherWineServers || '?'}; ` +
  `lane ${host.pinnedCpus ? `pinned to CPU ${host.pinnedCpus}` : 'not pinned'}`);
if (Number(host.otherWineServers) > 0) {
  lines.push('NOTE: another Wine lane was running when this run started (npm test?): the figures are noisier than usual.');
}
lines.push('');
lines.push(row(['', 'raw C', 'C batched', 'addon 1:1', 'addon', 'koffi', 'addon/C', 'addon/C batched', 'addon/addon 1:1', 'koffi/C'], widths));
lines.push(row([`echo, µs per call (${config.echoBytes} B, lower=better)`,
  fixed(summary.echo.c?.median, 1), '-', '-', fixed(summary.echo.addon?.median, 1), fixed(summary.echo.koffi?.median, 1),
  times(summary.echo.addonToC), '-', '-', times(summary.echo.koffiToC)], widths));
for (const n of config.inFlight) {
  const s = summary.send[n];
  lines.push(row([`sendMessage/s, ${n} in flight${n === 1 ? ' (*)' : ''}`,
    fixed(s.c?.median, 0), fixed(s.cb?.median, 0), fixed(s.ac?.median, 0), fixed(s.addon?.median, 0), fixed(s.koffi?.median, 0),
    times(s.addonToC), times(s.addonToCb), times(s.addonToAc), times(s.koffiToC)], widths));
}
lines.push(`  (*) koffi: synchronous DeviceIoControl on a non-overlapped handle, so one in flight only.`);
lines.push('  raw C: one SEND_MESSAGE IOCTL per message (the classic peer); C batched: one BATCH_SUBMIT_REAP per round from one thread, reaps sized to its load.');
lines.push('  addon 1:1: the addon with every send its own SEND_MESSAGE IOCTL (MIRACAST_HIL_CLASSIC_SENDS=1), as before the batched transport.');
if (summary.ioControl) {
  const io = summary.ioControl;
  lines.push(row([`ioControl storm/s, ${io.inFlight} in flight`, fixed(io.c?.median, 0), '-', '-', fixed(io.addon?.median, 0), '-',
    times(io.addonToC), '-', '-', '-'], widths));
  lines.push('  ioControl storm: the test miniport\'s echo through DxgkDdiMiracastIoControl; raw C: one IO_CONTROL IOCTL per call;');
  lines.push('  the addon batches a storm (BATCH_SUBMIT / BATCH_REAP). No aim is set for it: the ratio is shown without a verdict.');
}
lines.push('  per message, from the driver\'s counters over each measured loop (IOCTLs dispatched / callback-worker wake-ups; median of rounds):');
for (const n of config.inFlight) {
  const per = summary.send[n].perMessage;
  if (!per) continue;
  const cell = (peer) => `${fixed(per[peer]?.ioctls, 4)} / ${fixed(per[peer]?.callbackWakes, 4)}`;
  lines.push(`    ${String(n).padStart(3)} in flight: raw C ${cell('c')}, C batched ${cell('cb')}, addon 1:1 ${cell('ac')}, addon ${cell('addon')}`);
}
lines.push(`  sendMessage: ${config.inFlight.map((n) => summary.send[n].completions ?? config.sendCompletions).join('/')} completions ` +
  `(at ${config.inFlight.join('/')} in flight) of ${config.sendBytes} B answered by the kernel responder; higher=better.`);
lines.push('');
const lag = summary.lag;
lines.push(`event-loop lag, addon, ${lag.inFlight} sendMessage in flight (${fixed(lag.perSecond, 0)}/s while sampling):`);
lines.push(`  setInterval 1 ms (late ticks)  p50 ${fixed(lag.interval.p50, 1)} ms  p99 ${fixed(lag.interval.p99, 1)} ms  ` +
  `max ${fixed(lag.interval.max, 1)} ms  (${lag.interval.samples} ticks, rounds pooled)`);
lines.push(`  monitorEventLoopDelay          p50 ${fixed(lag.histogram.p50, 1)} ms  p99 ${fixed(lag.histogram.p99, 1)} ms  ` +
  `max ${fixed(lag.histogram.max, 1)} ms  (median of rounds; max of rounds)`);
lines.push(`  warm-up before it (${lag.warmUp.messages} messages, not in the figures above): setInterval p99 ` +
  `${fixed(lag.warmUp.interval.p99, 1)} ms, max ${fixed(lag.warmUp.interval.max, 1)} ms (${lag.warmUp.interval.samples} ticks, rounds pooled)`);
lines.push(`  why: ${fixed(lag.issueUsPerCall, 0)} µs of JavaScript-thread time per sendMessage() issue; ` +
  `completions settled between two ticks: median ${fixed(lag.completionsPerTick.p50, 0)}, most ${fixed(lag.completionsPerTick.max, 0)}`);
lines.push(`  JavaScript thread's CPU time per sendMessage (process.threadCpuUsage over the run, sampler included): ${fixed(lag.jsThreadUsPerMessage, 1)} µs`);
lines.push(`JavaScript thread's CPU time per sendMessage, no sampler (the thread alone; the benchmark's loop included, its share in brackets): ` +
  config.inFlight.map((n) => `${n} in flight ${fixed(summary.send[n].jsThreadUs?.median, 1)} µs (${fixed(summary.send[n].loopUs?.median, 1)})`).join(', '));
lines.push(`memory: ${fixed(summary.memory.heldBytesPerMessage, 0)} B per sendMessage in flight as the addon counts it; ` +
  `at most ${fixed(summary.memory.nativeBytesPerMessage, 0)} B of native memory by RSS ` +
  `(${summary.memory.inFlight} held: RSS +${fixed(summary.memory.rssBytes / 1048576, 1)} MiB, live JS heap and external +${fixed(summary.memory.heapBytes / 1048576, 1)} MiB; ` +
  `V8's new space held at 1 MiB per semi-space); with Node's default new space ` +
  `${fixed(summary.memory.defaultNewSpace?.nativeBytesPerMessage, 0)} B (RSS +${fixed((summary.memory.defaultNewSpace?.rssBytes ?? NaN) / 1048576, 1)} MiB: ` +
  'the new space\'s touched pages, JavaScript heap that holds nothing live, count as well)');
lines.push(`soak: ${summary.soak.messages} messages at ${summary.soak.inFlight} in flight (${fixed(summary.soak.perSecond, 0)}/s): ` +
  `RSS ${fixed(summary.soak.rssStartMiB, 1)} -> ${fixed(summary.soak.rssEndMiB, 1)} MiB after a warm-up of ${summary.soak.warmUp ?? '?'} (until V8's heap stopped growing; its new space started at its default maximum, 16 MiB per semi-space), ` +
  `slope ${fixed(summary.soak.rssMiBPerMillion, 2)} MiB per million messages (JS heap ${fixed(summary.soak.heapStartMiB, 1)} -> ${fixed(summary.soak.heapEndMiB, 1)} MiB)`);
lines.push(`  idle floor (nothing in flight) setInterval p99 ${fixed(summary.idleLag.interval.p99, 2)} ms, ` +
  `monitorEventLoopDelay p99 ${fixed(summary.idleLag.histogram.p99, 2)} ms`);
lines.push('');
lines.push('aims:');
for (const aim of aims) {
  const unit = aim.target.split(' ').pop();
  const measured = unit === 'ms' || unit === 'µs' || unit === 'B' || unit === 'MiB'
    ? `${fixed(aim.measured, unit === 'B' ? 0 : 2)} ${unit}` : `${fixed(aim.measured, 2)}x`;
  const noisy = aim.pairedMet !== undefined && aim.pairedMet !== aim.met
    ? ` - within the noise: the paired rounds' median ${fixed(aim.paired, 2)}x says ${aim.pairedMet ? 'met' : 'not met'}`
    : '';
  lines.push(`  ${(aim.met ? 'met' : 'NOT MET').padEnd(8)} ${aim.name}: ${measured} (aim ${aim.target})${noisy}`);
}
lines.push('');
console.log(lines.join('\n'));
