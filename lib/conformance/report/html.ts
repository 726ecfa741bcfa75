// The HTML report: one self-contained page (no network, no external file) with the run's facts,
// each rule's verdict, findings and evidence, and the DDI timeline: an overview of the whole run,
// then one panel per check. A small inline script records what the page drew (element counts and
// where the overview sits) on <body data-drawn>, so a headless browser can confirm the picture.
import { formatSeed } from '../prng';
import type { RuleResult, RunResult, Timeline } from '../types';
import { xmlEscape as esc } from './junit';
import { attributionText, verdictLabel } from './text';
import { legend, renderPanel } from './timeline-svg';

const css = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #1b1f24; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 20px 0 6px; }
.facts { color: #444; } .facts code { background: #f0f2f5; padding: 0 3px; }
.counts span { margin-right: 14px; }
.timeline { display: block; margin: 4px 0 10px; } .panel-title { font: 12px monospace; fill: #333; }
.row-label { font: 10px monospace; fill: #555; }
.legend-item { margin-right: 12px; font-size: 12px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
table.rules { border-collapse: collapse; width: 100%; } table.rules td, table.rules th { border-top: 1px solid #dde1e6; padding: 4px 6px; vertical-align: top; text-align: left; }
.v { font-weight: bold; font-family: monospace; } .v-PASS { color: #1e7e34; } .v-FAIL { color: #c0392b; } .v-ERROR { color: #a04000; }
.v-NA { color: #6c757d; } .v-XFAIL { color: #b7950b; }
.finding { background: #fdecea; border-left: 3px solid #c0392b; padding: 4px 8px; margin: 4px 0; }
.finding.configuration { background: #fff4e0; border-left-color: #f59f00; }
ul.evidence { margin: 2px 0; padding-left: 18px; color: #444; font-size: 12px; }
.panels { overflow-x: auto; }
`;

const script = `
(function () {
  var overview = document.getElementById('overview');
  var box = overview ? overview.getBoundingClientRect() : null;
  var drawn = {
    spans: document.querySelectorAll('#overview rect.span').length,
    violations: document.querySelectorAll('#overview rect.span.violation').length,
    induced: document.querySelectorAll('#overview rect.span.induced').length,
    panelSpans: document.querySelectorAll('.panels rect.span').length,
    marks: document.querySelectorAll('.panels rect.mark').length,
    rows: overview ? overview.querySelectorAll('.row-label').length : 0,
    box: box ? { x: Math.round(box.left + window.scrollX), y: Math.round(box.top + window.scrollY), width: Math.round(box.width), height: Math.round(box.height) } : null
  };
  document.body.setAttribute('data-drawn', JSON.stringify(drawn));
  var line = document.getElementById('drawn');
  if (line) line.textContent = 'drawn: ' + drawn.spans + ' DDI calls on ' + drawn.rows + ' threads, ' + drawn.violations + ' in violation, ' + drawn.marks + ' events';
})();
`;

function verdictClass(r: RuleResult): string {
  const v = verdictLabel(r);
  return v === 'N/A' ? 'NA' : v;
}

function ruleRow(r: RuleResult): string {
  const findings = r.findings.map((f) => `<div class="finding ${f.attribution === 'configuration' ? 'configuration' : ''}">` +
    `<b>finding against ${esc(attributionText(f.attribution))}</b>: ${esc(f.message)}` +
    (f.attributionReason ? `<br><i>${esc(f.attributionReason)}</i>` : '') +
    (f.evidence.length ? `<ul class="evidence">${f.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : '') +
    (f.replay ? `<div>replay: <code>${esc(f.replay)}</code></div>` : '') + '</div>').join('');
  const notes = [
    r.reason ? `<div>${esc(r.reason)}</div>` : '',
    r.expectedFailure !== undefined ? `<div>expected failure: ${esc(r.expectedFailure)}</div>` : '',
    r.unexpectedPass ? '<div>listed as a known failure, but passed</div>' : '',
  ].join('');
  const evidence = r.evidence.length ? `<ul class="evidence">${r.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : '';
  return `<tr id="rule-${esc(r.id)}"><td class="v v-${verdictClass(r)}">${esc(verdictLabel(r))}</td>` +
    `<td><code>${esc(r.id)}</code><br><small>${esc(r.sources.map((s) => `[${s}]`).join(' '))} judges the ${esc(r.judges)}; lane ${esc(r.lane)}` +
    `${r.durationMs ? `; ${r.durationMs} ms` : ''}</small></td>` +
    `<td>${esc(r.text)}${notes}${findings}${evidence}</td></tr>`;
}

function timelineSection(timeline: Timeline | undefined, results: readonly RuleResult[]): string {
  if (!timeline || timeline.spans.length === 0) {
    return '<h2>DDI timeline</h2><p id="drawn">no DDI call was traced during the run</p>';
  }
  const overview = renderPanel(timeline, timeline.spans, timeline.marks, {
    id: 'overview', title: `whole run: ${timeline.spans.length} DDI calls (idle stretches shortened)`,
    width: 1200, rowHeight: 14, gapCap: 300, marks: false,
  });
  const verdictOf = new Map(results.map((r) => [r.id, r]));
  const panels = timeline.windows.map((w) => {
    const inWindow = (t: number) => t >= w.start && t <= w.end;
    const spans = timeline.spans.filter((s) => inWindow(s.start));
    const marks = timeline.marks.filter((m) => inWindow(m.at));
    if (spans.length === 0 && marks.length === 0) return '';
    const r = verdictOf.get(w.ruleId);
    return `<a href="#rule-${esc(w.ruleId)}">` + renderPanel(timeline, spans, marks, {
      id: `panel-${w.ruleId}`, title: `${w.ruleId} (${r ? verdictLabel(r) : '?'}): ${spans.length} DDI calls, ${marks.length} events`,
      width: 1100, rowHeight: 16, gapCap: 1000, marks: true,
    }) + '</a>';
  }).join('');
  return `<h2>DDI timeline</h2><div>${legend()}</div><p id="drawn"></p>${overview}` +
    (timeline.lost > 0 ? `<p>${timeline.lost} trace event(s) were lost before they were read: the picture misses them.</p>` : '') +
    `<h2>Per check</h2><div class="panels">${panels}</div>`;
}

export function formatHtml(result: RunResult): string {
  const c = result.counts;
  const facts = Object.entries(result.subject.facts).map(([k, v]) => `${esc(k)}: <code>${esc(v)}</code>`).join('; ');
  const needs = result.subject.needs.map((n) => `<li><b>${esc(n.id)}</b> ${n.available ? 'offered' : 'not offered'}: ${esc(n.detail)}</li>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>miracast-hil conformance: ${esc(result.subject.name)}</title>
<style>${css}</style></head>
<body>
<h1>Conformance of ${esc(result.subject.name)}</h1>
<div class="facts">${esc(result.subject.kind)}; ${result.lane === 'wine' ? 'Wine' : 'Windows'} lane; seed <code>${formatSeed(result.seed)}</code>;
started ${esc(result.startedAt)}; ${(result.durationMs / 1000).toFixed(1)} s; ${facts}</div>
${result.configuration.length ? `<div class="finding configuration">Run configured with host faults <b>${esc(result.configuration.join(', '))}</b>: the host misbehaves on purpose, and findings they cause are attributed to the configuration.</div>` : ''}
<div class="counts"><span>${c.rules} rules</span><span class="v-PASS">${c.passed} passed</span><span class="v-FAIL">${c.failed} failed</span>
<span class="v-XFAIL">${c.expectedFailures} expected failures</span><span class="v-NA">${c.notApplicable} not applicable</span>
<span class="v-ERROR">${c.errors} errors</span><span>exit code ${result.exitCode}</span></div>
${timelineSection(result.timeline, result.rules)}
<h2>Rules</h2>
<table class="rules"><tbody>${result.rules.map(ruleRow).join('\n')}</tbody></table>
<h2>What the subject offers</h2><ul>${needs}</ul>
<script>${script}</script>
</body></html>
`;
}
