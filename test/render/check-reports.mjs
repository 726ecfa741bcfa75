// The Linux side of the conformance report test. The vitest suite runs inside the Windows Node
// under Wine and cannot start Chromium (a Linux program), so test/conformance.test.ts writes the
// reports it made and what they must show into a request file; scripts/test.sh runs this script
// after the lane stops. For each request, headless Chromium (Debian's package, installed when
// missing) loads the HTML report and the JUnit file from disk:
//   - the page's own record of what it drew (<body data-drawn>) must count exactly the DDI calls
//     the driver counted during the run, and violations only where the run had overlaps;
//   - a screenshot must show the timeline's colours inside the overview's box: DDI-call blue where
//     calls were drawn, violation red exactly when violations were expected (not a blank page);
//   - Chromium's XML parser must accept the JUnit file.
// Results go to a small JSON file the closing-line summarizer adds to its counts:
//   { "source": "report-render", "passed": N, "failed": N, "skipped": 0,
//     "failures": [{ "name": "...", "message": "..." }] }
// usage: node test/render/check-reports.mjs REQUESTS.json RESULT.json
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodePng } from './png.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const [requestsFile, resultFile] = process.argv.slice(2);
if (!requestsFile || !resultFile) {
  console.error('usage: node test/render/check-reports.mjs REQUESTS.json RESULT.json');
  process.exit(2);
}
const results = [];
const record = (name, ok, message) => {
  results.push({ name, ok, message });
  console.log(`${ok ? 'ok  ' : 'FAIL'} report render: ${name}${ok ? '' : `: ${message}`}`);
};
const finish = () => {
  const failures = results.filter((r) => !r.ok).map(({ name, message }) => ({ name, message }));
  mkdirSync(path.dirname(resultFile), { recursive: true });
  writeFileSync(resultFile, JSON.stringify({ source: 'report-render', passed: results.length - failures.length,
    failed: failures.length, skipped: 0, failures }, null, 2));
  process.exit(failures.length > 0 ? 1 : 0);
};

if (!existsSync(requestsFile)) {
  console.log('report render: no conformance report was written in this run (nothing to render)');
  process.exit(0);
}

const chromiumHome = path.join(root, 'build', 'chromium');
const chromiumEnv = {
  ...process.env,
  HOME: path.join(chromiumHome, 'home'),
  XDG_CONFIG_HOME: path.join(chromiumHome, 'home', '.config'),
  XDG_CACHE_HOME: path.join(chromiumHome, 'home', '.cache'),
};
let profiles = 0;

function exec(file, args, options) {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 << 20, ...options }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
  });
}

/** Runs headless Chromium with a fresh profile under build/; returns its stdout. */
async function chromium(args) {
  const profile = path.join(chromiumHome, `profile-${process.pid}-${profiles++}`);
  mkdirSync(chromiumEnv.HOME, { recursive: true });
  try {
    const { error, stdout, stderr } = await exec('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--hide-scrollbars',
      '--force-device-scale-factor=1', ...args,
    ], { env: chromiumEnv, timeout: 180_000 });
    if (error) throw new Error(`chromium failed (${error.message.split('\n')[0]}): ${String(stderr).trim().split('\n').slice(-3).join(' | ')}`);
    return String(stdout);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

const decodeEntities = (s) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const near = (a, b, tolerance = 24) => Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance && Math.abs(a[2] - b[2]) <= tolerance;
const rgb = (hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

async function checkReport(request, colors) {
  const html = path.resolve(root, request.html.replace(/\\/g, '/'));
  const url = pathToFileURL(html).href;
  const dom = await chromium(['--dump-dom', url]);
  const attribute = /data-drawn="([^"]*)"/.exec(dom);
  if (!attribute) throw new Error('the page recorded nothing it drew (no data-drawn on <body>): its script did not run or found no timeline');
  const drawn = JSON.parse(decodeEntities(attribute[1]));
  const problems = [];
  if (drawn.spans !== request.expect.spans) {
    problems.push(`the overview drew ${drawn.spans} DDI calls; the driver counted ${request.expect.spans} during the run`);
  }
  if (request.expect.violations === 'some' && !(drawn.violations > 0)) problems.push('no violation drawn, though the run had overlaps');
  if (request.expect.violations === 'none' && drawn.violations !== 0) problems.push(`${drawn.violations} violations drawn in a run without overlaps`);
  if (!drawn.box || drawn.box.width < 100 || drawn.box.height < 10) throw new Error(`the overview has no usable box: ${JSON.stringify(drawn.box)}`);

  const height = Math.min(4000, drawn.box.y + drawn.box.height + 40);
  const shot = path.join(path.dirname(html), `${path.basename(html, '.html')}.png`);
  await chromium([`--window-size=1600,${height}`, `--screenshot=${shot}`, url]);
  const image = decodePng(readFileSync(shot));
  const counts = { span: 0, violation: 0, induced: 0, other: 0 };
  const [span, violation, induced] = [colors.span, colors.violation, colors.induced].map(rgb);
  for (let y = drawn.box.y; y < Math.min(image.height, drawn.box.y + drawn.box.height); y++) {
    for (let x = drawn.box.x; x < Math.min(image.width, drawn.box.x + drawn.box.width); x++) {
      const p = image.pixel(x, y);
      if (near(p, span)) counts.span++;
      else if (near(p, violation)) counts.violation++;
      else if (near(p, induced)) counts.induced++;
      else counts.other++;
    }
  }
  const plain = drawn.spans - drawn.violations - drawn.induced;
  if (plain > 0 && counts.span === 0) problems.push('the screenshot shows no DDI-call colour in the timeline\'s box');
  if (request.expect.violations === 'some' && counts.violation === 0) problems.push('the screenshot shows no violation red in the timeline\'s box');
  if (request.expect.violations === 'none' && counts.violation > 0) problems.push(`the screenshot shows ${counts.violation} violation-red pixels in a run without overlaps`);
  if (counts.span + counts.violation + counts.induced < 8 * Math.min(drawn.spans, 1)) problems.push('the timeline\'s box is blank');
  if (problems.length > 0) throw new Error(`${problems.join('; ')} (drawn ${JSON.stringify(drawn)}; pixels ${JSON.stringify(counts)})`);
  return `drew ${drawn.spans} DDI calls on ${drawn.rows} threads, ${drawn.violations} in violation; pixels ${JSON.stringify(counts)}`;
}

async function checkJUnit(request) {
  const dom = await chromium(['--dump-dom', pathToFileURL(path.resolve(root, request.junit.replace(/\\/g, '/'))).href]);
  if (/<parsererror/.test(dom)) throw new Error(`Chromium's XML parser rejects it: ${/error on line[^<]*/.exec(dom)?.[0] ?? 'parse error'}`);
  if (!/testsuites/.test(dom)) throw new Error('the parsed document has no testsuites element');
  return 'well-formed';
}

try {
  const requests = JSON.parse(readFileSync(requestsFile, 'utf8')).requests ?? [];
  const install = await exec('bash', ['-c', 'source scripts/lib/env.sh && source scripts/lib/chromium.sh && mh_chromium_ensure'], { cwd: root, timeout: 1_800_000 });
  if (install.error) {
    record('setup step \'install chromium\'', false, String(install.stderr).trim().split('\n').slice(-3).join(' | ') || install.error.message);
    finish();
  }
  const { timelineColors } = createRequire(import.meta.url)(path.join(root, 'dist', 'conformance', 'report', 'timeline-svg.js'));
  for (const request of requests) {
    const checks = [['the timeline is drawn', () => checkReport(request, timelineColors)]];
    if (request.junit) checks.push(['the JUnit parses', () => checkJUnit(request)]);
    for (const [what, check] of checks) {
      try {
        const detail = await check();
        record(`${request.name}: ${what}`, true, detail);
        console.log(`     ${detail}`);
      } catch (error) {
        record(`${request.name}: ${what}`, false, error.message);
      }
    }
  }
  if (requests.length === 0) record('render requests', false, `${requestsFile} lists no report`);
} catch (error) {
  record('the render step itself', false, error.stack ?? String(error));
}
finish();
