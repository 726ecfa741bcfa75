// The closing line of `npm test` (scripts/lib/summary.mjs) counts everything that makes a run
// fail, with a word on what it was, and its exit code always agrees with it (issue #13). Proved
// twice: on crafted reports, and on real nested vitest runs of fixture files that break a run
// (test/fixtures/nested/, outside the suite's include glob). Needs no driver; valid in both lanes.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSources, summarize } from '../scripts/lib/summary.mjs';
import VitestRunReporter, { describeRunError } from '../scripts/lib/vitest-run-reporter.mjs';
import { root } from './helpers';

const scratch = mkdtempSync(path.join(root, 'build', 'closing-line-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const passingFile = { name: 'Z:\\x\\test\\a.test.ts', status: 'passed', message: '', assertionResults: [
  { fullName: 'a works', title: 'a works', status: 'passed', failureMessages: [] },
  { fullName: 'a also works', title: 'a also works', status: 'passed', failureMessages: [] },
] };
const report = (files: object[], extra: object = {}) => ({
  numPassedTests: files.flatMap((f: any) => f.assertionResults).filter((t: any) => t.status === 'passed').length,
  numFailedTests: files.flatMap((f: any) => f.assertionResults).filter((t: any) => t.status === 'failed').length,
  numPendingTests: files.flatMap((f: any) => f.assertionResults).filter((t: any) => t.status === 'skipped').length,
  numTodoTests: 0, success: true, testResults: files, ...extra,
});
const runFile = (failures: object[]) => ({ file: 'build/results/vitest-run.json', data: { source: 'vitest-run', passed: 0, failures } });

describe('the closing line, on crafted reports', () => {
  it.each([
    ['a clean run', { vitest: report([passingFile]), vitestExitCode: 0 }, '2 passed, 0 failed'],
    ['a failed test', {
      vitest: report([{ ...passingFile, status: 'failed', assertionResults: [
        ...passingFile.assertionResults, { fullName: 'a breaks', title: 'a breaks', status: 'failed', failureMessages: ['expected 1'] }] }]),
      vitestExitCode: 1,
    }, '2 passed, 1 failed (1 failed test)'],
    ['two failed tests, counted in the plural', {
      vitest: report([{ ...passingFile, status: 'failed', assertionResults: [
        { fullName: 'x', title: 'x', status: 'failed' }, { fullName: 'y', title: 'y', status: 'failed' }] }]),
      vitestExitCode: 1,
    }, '0 passed, 2 failed (2 failed tests)'],
    ['a skipped test', {
      vitest: report([{ ...passingFile, assertionResults: [...passingFile.assertionResults, { fullName: 's', title: 's', status: 'skipped' }] }]),
      vitestExitCode: 0,
    }, '2 passed, 0 failed, 1 skipped'],
    ['a file that failed to load', {
      vitest: report([passingFile, { name: 'b.test.ts', status: 'failed', message: 'SyntaxError', assertionResults: [] }]), vitestExitCode: 1,
    }, '2 passed, 1 failed (1 file that failed to load)'],
    ['a file whose afterAll failed after its tests passed', {
      vitest: report([{ ...passingFile, status: 'failed', message: 'cleanup threw' }]), vitestExitCode: 1,
    }, '2 passed, 1 failed (1 file whose hooks failed)'],
    ['an unhandled rejection while every test passed (issue #13)', {
      vitest: report([passingFile]), vitestExitCode: 1,
      sources: [runFile([{ kind: 'unhandled rejection', name: 'lifecycle.test.ts', message: 'AbortError' }])],
    }, '2 passed, 1 failed (1 unhandled rejection)'],
    ['a crashed worker that took vitest down (no report)', {
      vitest: undefined, vitestExitCode: 1, sources: [runFile([{ kind: 'crashed worker', name: 'vitest', message: 'Channel closed' }])],
    }, '0 passed, 1 failed (1 crashed worker)'],
    ['no report and nothing that says why', { vitest: undefined, vitestExitCode: 1 }, '0 passed, 1 failed (1 missing test report)'],
    ['vitest failing with a report that shows no failure', { vitest: report([passingFile]), vitestExitCode: 1 },
      '2 passed, 1 failed (1 vitest failure)'],
    ['a report that says the run failed, with nothing else', { vitest: report([], { success: false }), vitestExitCode: 0 },
      '0 passed, 1 failed (1 vitest failure)'],
    ['another source\'s passes and failures', {
      vitest: report([passingFile]), vitestExitCode: 0,
      sources: [{ file: 'build/results/stress.json', data: { source: 'stress', passed: 3, skipped: 1, failures: [{ kind: 'stress', name: 'abort storm', message: 'lost 2' }] } }],
    }, '5 passed, 1 failed, 1 skipped (1 stress)'],
    ['a source that did not finish', {
      vitest: report([passingFile]), vitestExitCode: 0,
      sources: [{ file: 'build/results/render.json', data: { source: 'render', passed: 0, failures: [{ kind: 'incomplete', name: 'render' }] } }],
    }, '2 passed, 1 failed (1 incomplete)'],
    ['an unreadable result file', { vitest: report([passingFile]), vitestExitCode: 0, sources: [{ file: 'build/results/x.json', data: undefined }] },
      '2 passed, 1 failed (1 unreadable result file)'],
    ['a result file without a failures list', {
      vitest: report([passingFile]), vitestExitCode: 0, sources: [{ file: 'build/results/y.json', data: { passed: 9 } }],
    }, '2 passed, 1 failed (1 unreadable result file)'],
  ])('%s', (_name, input, line) => {
    const result = summarize(input as never);
    expect(result.line).toBe(line);
    // The exit code agrees with the line, always.
    expect(result.exitCode).toBe(result.failed > 0 ? 1 : 0);
    expect(result.line.startsWith(`${result.passed} passed, ${result.failed} failed`)).toBe(true);
  });

  it('reads every result file of a folder, an unreadable one as undefined', () => {
    const dir = path.join(scratch, 'sources');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'good.json'), JSON.stringify({ source: 'good', passed: 1, failures: [] }));
    writeFileSync(path.join(dir, 'bad.json'), '{ not json');
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const sources = readSources(dir);
    expect(sources.map((s: { file: string }) => path.basename(s.file))).toEqual(['bad.json', 'good.json']);
    expect(sources[0].data).toBeUndefined();
    expect(summarize({ vitest: report([passingFile]), vitestExitCode: 0, sources }).line).toBe('3 passed, 1 failed (1 unreadable result file)');
    expect(readSources(path.join(scratch, 'no-such-folder'))).toEqual([]);
  });
});

describe('the run reporter', () => {
  it.each([
    ['an unhandled rejection', { type: 'Unhandled Rejection', name: 'AbortError', message: 'x', VITEST_TEST_PATH: 'C:\\t\\lifecycle.test.ts', VITEST_TEST_NAME: 'cancels' },
      { kind: 'unhandled rejection', name: 'lifecycle.test.ts > cancels', message: 'AbortError: x' }],
    ['an uncaught exception', { type: 'Uncaught Exception', name: 'TypeError', message: 'y' }, { kind: 'uncaught exception', name: 'outside any test file' }],
    ['a worker that exited', { type: 'Unhandled Error', message: 'Worker exited unexpectedly' }, { kind: 'crashed worker' }],
    ['a closed worker channel', { type: 'Unhandled Rejection', message: 'Channel closed', code: 'ERR_IPC_CHANNEL_CLOSED' }, { kind: 'crashed worker' }],
    ['anything else', { message: 'z' }, { kind: 'unhandled error' }],
  ])('names %s', (_name, error, expected) => {
    expect(describeRunError(error)).toMatchObject(expected);
  });

  it('says "incomplete" until the run ends, then lists the errors', () => {
    const file = path.join(scratch, 'reporter', 'vitest-run.json');
    const reporter = new VitestRunReporter({ outputFile: file });
    const events = ['exit', 'unhandledRejection'] as const;
    const before = events.map((event) => new Set(process.listeners(event)));
    try {
      reporter.onInit();
      expect(JSON.parse(readFileSync(file, 'utf8')).failures).toMatchObject([{ kind: 'incomplete' }]);
      // Each file that starts is named, so a run ended from outside says where it was.
      reporter.onTestModuleStart({ moduleId: path.join(scratch, 'test', 'lifecycle.test.ts') });
      expect(JSON.parse(readFileSync(file, 'utf8')).failures).toMatchObject([
        { kind: 'incomplete', message: 'the vitest run did not finish (the last file started: lifecycle.test.ts)' }]);
      reporter.onTestRunEnd([], [{ type: 'Unhandled Rejection', message: 'late' }], 'failed');
      expect(JSON.parse(readFileSync(file, 'utf8')).failures).toMatchObject([{ kind: 'unhandled rejection' }]);
    } finally {
      // The listeners it adds belong in vitest's main process, not in this worker.
      events.forEach((event, i) => {
        for (const listener of process.listeners(event)) if (!before[i].has(listener)) process.off(event, listener as never);
      });
    }
  });
});

/** A real vitest run of fixture files, with the suite's reporters, then the real summary script. */
async function nestedRun(name: string, filters: string[]): Promise<{ line: string; output: string; exitCode: number; dir: string }> {
  const dir = path.join(scratch, name);
  // This worker's own VITEST_* variables must not leak into a run of its own.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST'))),
    MIRACAST_HIL_REPORT: path.join(dir, 'report.json'),
    MIRACAST_HIL_RESULTS: path.join(dir, 'results'),
    MIRACAST_HIL_JUNIT: path.join(dir, 'junit.xml'),
  };
  const node = (args: string[]) => new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, args, { cwd: root, env, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout) }));
  });
  const vitest = await node([path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run',
    '--config', path.join(root, 'test', 'fixtures', 'nested', 'vitest.config.mjs'), ...filters]);
  const summary = await node([path.join(root, 'scripts', 'lib', 'summary.mjs'), '--vitest', env.MIRACAST_HIL_REPORT,
    '--exit-code', String(vitest.code), '--results', env.MIRACAST_HIL_RESULTS]);
  const lines = summary.stdout.trim().split(/\r?\n/);
  return { line: lines[lines.length - 1], output: summary.stdout, exitCode: summary.code, dir };
}

describe('the closing line, on real nested vitest runs', () => {
  it('reports an unhandled rejection, a file that failed to load and a failed hook as failures; JUnit leaves the JSON report alone', async () => {
    const run = await nestedRun('broken-files', ['unhandled-rejection', 'fails-to-load', 'hook-fails', 'passes']);
    expect(run.line).toBe('3 passed, 3 failed (1 file that failed to load, 1 file whose hooks failed, 1 unhandled rejection)');
    expect(run.exitCode).toBe(1);
    expect(run.output).toContain('unhandled rejection: unhandled-rejection.fixture.ts');
    // MIRACAST_HIL_JUNIT adds JUnit XML; the JSON report the line comes from is still complete.
    const junit = readFileSync(path.join(run.dir, 'junit.xml'), 'utf8');
    for (const file of ['unhandled-rejection', 'fails-to-load', 'hook-fails', 'passes']) {
      expect(junit).toContain(`<testsuite name="test/fixtures/nested/${file}.fixture.ts"`);
    }
    expect(JSON.parse(readFileSync(path.join(run.dir, 'report.json'), 'utf8'))).toMatchObject({ numPassedTests: 3, numTotalTests: 3 });
  }, 180_000);

  it('reports a worker that crashed and took vitest down', async () => {
    const run = await nestedRun('crashed-worker', ['crashed-worker']);
    expect(run.line).toMatch(/^0 passed, [1-9]\d* failed \(.*crashed worker/);
    expect(run.exitCode).toBe(1);
  }, 180_000);
});
