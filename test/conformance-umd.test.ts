// `miracast-hil conformance --umd DLL`: the UMD host's rules (lib/umd/rules.ts) judged through the
// conformance runner and its reporters. The UMD host runs one session with the DLL; the sample UMD
// passes every rule, and broken variants of it (driver/umd/, one compile-time switch each) fail
// their own rule and no other. Valid in both lanes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { umdRules } from '../dist/index.js';
import type { RunResult } from '../dist/conformance/index.js';
import { runCli } from '../dist/cli/index.js';
import { root } from './helpers';
import { findAll, parseXml } from './xml';
import { umdDll, useUmdHosts, type UmdVariant } from './umd-helpers';

// The host's idle check after each test (no thread, handle or kernel allocation left).
useUmdHosts();

async function conformance(args: string[]): Promise<{ code: number; stderr: string; result: RunResult }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['conformance', ...args, '--json'], {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: process.env,
  });
  return { code, stderr, result: JSON.parse(stdout) as RunResult };
}

/** "rule: verdict findings" for every rule a run did not keep clean, but `except`. */
function unclean(result: RunResult, except?: string): string[] {
  return result.rules
    .filter((r) => r.id !== except && (r.findings.length > 0 || r.verdict === 'fail' || r.verdict === 'error'))
    .map((r) => `${r.id}: ${r.verdict}${r.reason ? ` (${r.reason})` : ''} ${r.findings.map((f) => f.message).join(' | ')}`);
}

describe('conformance --umd', () => {
  it('the sample UMD passes every rule with zero findings; the JUnit file has one case per UMD rule', async () => {
    const junit = path.join(root, 'build', 'conformance', 'umd-sample.xml');
    fs.rmSync(junit, { force: true });
    const { code, stderr, result } = await conformance(['--umd', umdDll('sample'), '--junit', junit, '--seed', '7']);
    expect(unclean(result), stderr).toEqual([]);
    expect(code, stderr).toBe(0);
    expect(result.subject.kind).toBe('user-mode Miracast driver');
    expect(result.rules.map((r) => r.id)).toEqual(umdRules.map((r) => r.id));
    // Not applicable only with a reason: the chunk rules when the session saw no chunk read.
    for (const r of result.rules.filter((x) => x.verdict === 'notApplicable')) expect(r.reason, r.id).toMatch(/GetNextChunkData|chunk/);
    expect(result.rules.filter((r) => r.verdict === 'pass').length).toBeGreaterThanOrEqual(umdRules.length - 3);
    const cases = findAll(parseXml(fs.readFileSync(junit, 'utf8')), 'testcase');
    expect(cases.map((c) => c.attributes.name.split(':')[0])).toEqual(umdRules.map((r) => r.id));
  }, 60_000);

  it.each([
    ['session_info_garbage', 'umd.start.sessionInfoReserved'],
    ['overlong_reply', 'umd.message.bytesReturned'],
    ['closes_rtsp', 'umd.rtsp.notClosedByDriver'],
    ['short_interface', 'umd.load.interface'],
  ] as [UmdVariant, string][])('the %s variant fails %s and no other rule', async (variant, rule) => {
    const { code, stderr, result } = await conformance(['--umd', umdDll(variant)]);
    const own = result.rules.find((r) => r.id === rule)!;
    expect(own.verdict, `${variant}: ${stderr}`).toBe('fail');
    expect(own.findings.every((f) => f.attribution === 'umd'), variant).toBe(true);
    expect(unclean(result, rule), variant).toEqual([]);
    expect(code, variant).toBe(1);
  }, 60_000);
});
