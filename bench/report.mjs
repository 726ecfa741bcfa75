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
  const range = ratio.perRound.length > 1
    ? ` [${Math.min(...ratio.perRound).toFixed(2)}-${Math.max(...ratio.perRound).toFixed(2)}]`
    : '';
  return `${ratio.value.toFixed(2)}x${range}`;
};
const row = (cells, widths) => cells.map((cell, i) => String(cell)[i === 0 ? 'padEnd' : 'padStart'](widths[i])).join('  ');

const widths = [36, 8, 8, 8, 20, 20];
const lines = [];
lines.push('');
lines.push(`miracast-hil benchmark: Windows Node ${host.node} under Wine (lane "${host.lane}"), ` +
  `${config.rounds} rounds; medians, [lowest-highest per-round ratio]`);
lines.push(`host load before: ${host.loadBefore || '?'}; other Wine servers running: ${host.otherWineServers || '?'}`);
lines.push('');
lines.push(row(['', 'raw C', 'addon', 'koffi', 'addon/C', 'koffi/C'], widths));
lines.push(row([`echo, µs per call (${config.echoBytes} B, lower=better)`,
  fixed(summary.echo.c?.median, 1), fixed(summary.echo.addon?.median, 1), fixed(summary.echo.koffi?.median, 1),
  times(summary.echo.addonToC), times(summary.echo.koffiToC)], widths));
for (const n of config.inFlight) {
  const s = summary.send[n];
  lines.push(row([`sendMessage/s, ${n} in flight${n === 1 ? ' (*)' : ''}`,
    fixed(s.c?.median, 0), fixed(s.addon?.median, 0), fixed(s.koffi?.median, 0),
    times(s.addonToC), times(s.koffiToC)], widths));
}
lines.push(`  (*) koffi: synchronous DeviceIoControl on a non-overlapped handle, so one in flight only.`);
lines.push(`  sendMessage: ${config.sendCompletions} completions of ${config.sendBytes} B answered by the kernel responder; higher=better.`);
lines.push('');
const lag = summary.lag;
lines.push(`event-loop lag, addon, ${lag.inFlight} sendMessage in flight (${fixed(lag.perSecond, 0)}/s while sampling):`);
lines.push(`  setInterval 1 ms (late ticks)  p50 ${fixed(lag.interval.p50, 1)} ms  p99 ${fixed(lag.interval.p99, 1)} ms  ` +
  `max ${fixed(lag.interval.max, 1)} ms  (${lag.interval.samples} ticks, rounds pooled)`);
lines.push(`  monitorEventLoopDelay          p50 ${fixed(lag.histogram.p50, 1)} ms  p99 ${fixed(lag.histogram.p99, 1)} ms  ` +
  `max ${fixed(lag.histogram.max, 1)} ms  (median of rounds; max of rounds)`);
lines.push(`  idle floor (nothing in flight) setInterval p99 ${fixed(summary.idleLag.interval.p99, 2)} ms, ` +
  `monitorEventLoopDelay p99 ${fixed(summary.idleLag.histogram.p99, 2)} ms`);
lines.push('');
lines.push('aims:');
for (const aim of aims) {
  const measured = aim.target.endsWith('ms') ? `${fixed(aim.measured, 1)} ms` : `${fixed(aim.measured, 2)}x`;
  lines.push(`  ${(aim.met ? 'met' : 'NOT MET').padEnd(8)} ${aim.name}: ${measured} (aim ${aim.target})`);
}
lines.push('');
console.log(lines.join('\n'));
