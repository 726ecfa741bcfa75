// The soak's chart: a self-contained SVG (no script, no external font or file) a person can glance
// at. Panels: RSS over time (its own scale, at least 16 MiB tall so noise does not look like a
// trend), the warm-up shaded and the fitted line drawn over the judged window; the heap after GC
// and external memory; the driver's counters that must stay at their baseline.
import type { SoakSample, SoakSummary } from './soak';

const W = 900;
const LEFT = 70;
const RIGHT = 20;
const PANEL_H = 170;
const PANEL_GAP = 60;
const TOP1 = 120;
const TOP2 = TOP1 + PANEL_H + PANEL_GAP;
const TOP3 = TOP2 + PANEL_H + PANEL_GAP;
const H = TOP3 + PANEL_H + 30;
/** The smallest value range a panel shows, so a flat line stays flat to the eye. */
const MIN_SPAN: Record<string, number> = { MiB: 16, count: 2 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Series {
  name: string;
  color: string;
  values: number[];
}

function panel(top: number, title: string, unit: string, ts: number[], series: Series[], tMax: number,
               extra: (x: (t: number) => number, y: (v: number) => number) => string): string {
  const all = series.flatMap((s) => s.values);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = Math.max(hi - lo, MIN_SPAN[unit] ?? 1);
  const vMin = unit === 'count' ? Math.min(0, lo) : Math.max(0, (lo + hi) / 2 - span * 0.6);
  const vMax = vMin + span * 1.2;
  const x = (t: number): number => LEFT + ((W - LEFT - RIGHT) * t) / (tMax || 1);
  const y = (v: number): number => top + PANEL_H - (PANEL_H * (v - vMin)) / (vMax - vMin || 1);
  let out = `<text x="${LEFT}" y="${top - 10}" font-size="14" font-weight="bold">${esc(title)}</text>`;
  out += `<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${PANEL_H}" fill="none" stroke="#888"/>`;
  for (let i = 0; i <= 4; i++) {
    const v = vMin + ((vMax - vMin) * i) / 4;
    out += `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
    out += `<text x="${LEFT - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text>`;
  }
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    out += `<text x="${x(t)}" y="${top + PANEL_H + 16}" font-size="11" text-anchor="middle">${t.toFixed(0)} s</text>`;
  }
  out += `<text x="16" y="${top + PANEL_H / 2}" font-size="11" transform="rotate(-90 16 ${top + PANEL_H / 2})" text-anchor="middle">${esc(unit)}</text>`;
  out += extra(x, y);
  series.forEach((s, i) => {
    const points = s.values.map((v, k) => `${x(ts[k]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out += `<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`;
    out += `<rect x="${LEFT + 10 + i * 200}" y="${top + 8}" width="12" height="3" fill="${s.color}"/>`;
    out += `<text x="${LEFT + 26 + i * 200}" y="${top + 13}" font-size="11">${esc(s.name)}</text>`;
  });
  return out;
}

export function drawSoakChart(samples: SoakSample[], summary: SoakSummary, seed: number): string {
  const ts = samples.map((s) => s.t);
  const tMax = Math.max(1, ...ts);
  const verdict = summary.flat && summary.driverAtBaselineEverySample ? 'PASS' : 'FAIL';
  const color = verdict === 'PASS' ? '#1a7f37' : '#cf222e';
  const judged = samples.filter((s) => s.t >= summary.warmupS);
  const fit = (x: (t: number) => number, y: (v: number) => number): string => {
    let out = `<rect x="${x(0)}" y="${TOP1}" width="${Math.max(0, x(Math.min(summary.warmupS, tMax)) - x(0))}" height="${PANEL_H}" fill="#f3f3f3"/>`;
    out += `<text x="${x(0) + 4}" y="${TOP1 + PANEL_H - 6}" font-size="10" fill="#777">warm-up</text>`;
    if (judged.length >= 2) {
      const t0 = judged[0].t;
      const t1 = judged[judged.length - 1].t;
      const mean = judged.reduce((a, s) => a + s.rssMiB, 0) / judged.length;
      const tMean = judged.reduce((a, s) => a + s.t, 0) / judged.length;
      const k = summary.rssSlopeMiBPerMin / 60;
      out += `<line x1="${x(t0)}" y1="${y(mean + k * (t0 - tMean))}" x2="${x(t1)}" y2="${y(mean + k * (t1 - tMean))}" stroke="#000" stroke-dasharray="5,4"/>`;
    }
    return out;
  };
  const judgedLine = summary.heapAfterGc
    ? `heap after GC ${summary.heapSlopeMiBPerMin.toFixed(3)} MiB/min (flat under ${summary.heapSlopeLimitMiBPerMin})`
    : 'heap not judged (no --expose-gc)';
  const body = [
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold">miracast-hil soak, seed ${seed}: <tspan fill="${color}">${verdict}</tspan></text>`,
    `<text x="${LEFT}" y="46" font-size="12">After the ${summary.warmupS.toFixed(0)} s warm-up: RSS ${summary.rssSlopeMiBPerMin.toFixed(3)} MiB/min, ` +
      `${summary.rssFittedGrowthMiB.toFixed(1)} MiB fitted over ${summary.judgedS.toFixed(0)} s (flat under ${summary.rssSlopeLimitMiBPerMin} MiB/min ` +
      `or ${summary.rssStepAllowanceMiB} MiB);</text>`,
    `<text x="${LEFT}" y="64" font-size="12">${esc(judgedLine)}; driver at its baseline at every sample: ` +
      `${summary.driverAtBaselineEverySample ? 'yes' : 'NO'}.</text>`,
    `<text x="${LEFT}" y="82" font-size="12">RSS ${summary.rssStartMiB.toFixed(1)} → ${summary.rssEndMiB.toFixed(1)} MiB over ${tMax.toFixed(0)} s, ` +
      `${samples.length} samples.</text>`,
    panel(TOP1, 'RSS (dashed: the fitted line over the judged window)', 'MiB', ts, [
      { name: 'RSS', color: '#0969da', values: samples.map((s) => s.rssMiB) },
    ], tMax, fit),
    panel(TOP2, 'Heap used (after a full GC when judged) and external memory', 'MiB', ts, [
      { name: 'heap used', color: '#8250df', values: samples.map((s) => s.heapUsedMiB) },
      { name: 'external', color: '#bf8700', values: samples.map((s) => s.externalMiB) },
    ], tMax, () => ''),
    panel(TOP3, 'Driver counters at each sample (must stay at 0 / the agent\'s receives)', 'count', ts, [
      { name: 'allocations beyond handles', color: '#cf222e', values: samples.map((s) => s.driverExtraAllocations) },
      { name: 'IRPs pending', color: '#1a7f37', values: samples.map((s) => s.driverIrpsPending) },
      { name: 'host messages', color: '#bc4c00', values: samples.map((s) => s.driverHostMessages) },
    ], tMax, () => ''),
  ].join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n` +
    `<rect width="${W}" height="${H}" fill="#fff"/>\n${body}\n</svg>\n`;
}
