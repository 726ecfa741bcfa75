// The DDI timeline picture, as inline SVG: one row per thread, calls as spans (red where they broke
// the Miracast-class or third-level rule, orange where a check's own fault induced the overlap),
// callbacks, sends, hot-plug indications, chunks and other events as ticks. Idle stretches are
// shortened (each gap counts at most `gapCap`), so runs of short calls stay visible on one axis.
import type { Timeline, TimelineMark, TimelineSpan } from '../types';
import { xmlEscape } from './junit';

export const timelineColors = {
  span: '#2f6fd6',
  violation: '#e0201b',
  induced: '#f59f00',
  marks: {
    send: '#8e44ad', deliver: '#7dcea0', callback: '#1e8449', hpd: '#8c564b', chunk: '#17a2b8', session: '#7f7f7f',
    agent: '#b7950b', fault: '#e377c2',
  } as Record<string, string>,
};

/** Maps times to x positions with idle gaps capped, scaled to `width`. */
export function gapCappedAxis(times: readonly number[], width: number, gapCap: number): (t: number) => number {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  if (sorted.length === 0) return () => 0;
  const positions = [0];
  for (let i = 1; i < sorted.length; i++) positions.push(positions[i - 1] + Math.min(sorted[i] - sorted[i - 1], gapCap));
  const total = positions[positions.length - 1];
  const scale = total > 0 ? width / total : 0;
  return (t: number) => {
    // The last known time at or before t, then linear (capped) from there.
    let lo = 0;
    let hi = sorted.length - 1;
    if (t <= sorted[0]) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sorted[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return (positions[lo] + Math.min(t - sorted[lo], gapCap)) * scale;
  };
}

interface PanelOptions {
  id: string;
  title: string;
  width: number;
  rowHeight: number;
  gapCap: number;
  /** Draw ticks for marks (off in the overview, where they would only blur). */
  marks: boolean;
}

/** One SVG picture of the given spans and marks. */
export function renderPanel(timeline: Timeline, spans: readonly TimelineSpan[], marks: readonly TimelineMark[], options: PanelOptions): string {
  const rowIds = timeline.rows.map((r) => r.id).filter((id) => spans.some((s) => s.row === id) || (options.marks && marks.some((m) => m.row === id)));
  const labelWidth = 120;
  const top = 18;
  const height = top + rowIds.length * options.rowHeight + 6;
  const x = gapCappedAxis([...spans.flatMap((s) => [s.start, s.end]), ...(options.marks ? marks.map((m) => m.at) : [])], options.width, options.gapCap);
  const y = (row: string) => top + rowIds.indexOf(row) * options.rowHeight;
  const parts: string[] = [];
  parts.push(`<svg id="${xmlEscape(options.id)}" class="timeline" width="${labelWidth + options.width + 10}" ` +
    `height="${height}" role="img" aria-label="${xmlEscape(options.title)}">`);
  parts.push(`<text x="0" y="12" class="panel-title">${xmlEscape(options.title)}</text>`);
  rowIds.forEach((id, i) => {
    const label = timeline.rows.find((r) => r.id === id)?.label ?? id;
    parts.push(`<rect x="${labelWidth}" y="${top + i * options.rowHeight}" width="${options.width}" height="${options.rowHeight - 2}" fill="${i % 2 ? '#f4f6f8' : '#eceff3'}"/>`);
    parts.push(`<text x="0" y="${top + i * options.rowHeight + options.rowHeight * 0.7}" class="row-label">${xmlEscape(label)}</text>`);
  });
  // Plain spans first, then induced, then violations on top: a violation is never hidden.
  const order = (s: TimelineSpan) => (s.violation ? 2 : s.induced ? 1 : 0);
  for (const s of [...spans].sort((a, b) => order(a) - order(b))) {
    const x0 = labelWidth + x(s.start);
    const w = Math.max(options.marks ? 2 : 1, x(s.end) - x(s.start));
    const cls = s.violation ? 'span violation' : s.induced ? 'span induced' : 'span';
    const fill = s.violation ? timelineColors.violation : s.induced ? timelineColors.induced : timelineColors.span;
    const title = s.violation ?? s.induced ?? '';
    parts.push(`<rect class="${cls}" x="${x0.toFixed(1)}" y="${y(s.row) + 2}" width="${w.toFixed(1)}" height="${options.rowHeight - 6}" fill="${fill}">` +
      `<title>${xmlEscape(`${s.label}${title ? ` - ${title}` : ''}`)}</title></rect>`);
  }
  if (options.marks) {
    for (const m of marks) {
      const x0 = labelWidth + x(m.at);
      parts.push(`<rect class="mark mark-${xmlEscape(m.kind)}" x="${(x0 - 1).toFixed(1)}" y="${y(m.row)}" width="2" height="${options.rowHeight - 2}" ` +
        `fill="${timelineColors.marks[m.kind] ?? '#555'}"><title>${xmlEscape(m.label)}</title></rect>`);
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

export function legend(): string {
  const item = (color: string, text: string) => `<span class="legend-item"><span class="swatch" style="background:${color}"></span>${xmlEscape(text)}</span>`;
  return [
    item(timelineColors.span, 'DDI call'),
    item(timelineColors.violation, 'call that broke the Miracast-class or third-level rule'),
    item(timelineColors.induced, 'overlap a check induced on purpose'),
    ...Object.entries(timelineColors.marks).map(([kind, color]) => item(color, kind)),
  ].join(' ');
}
