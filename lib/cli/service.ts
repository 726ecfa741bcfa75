// The driver's kernel service, for `driver` and `doctor`. On Windows (and inside the Wine lane's
// Windows Node) through the service control manager, with sc.exe; on Linux through the Wine
// lane's script, which a checkout of the repository has (scripts/wine-lane.sh).
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../binding';

export type ServiceState = 'running' | 'stopped' | 'start_pending' | 'stop_pending' | 'continue_pending' | 'pause_pending' | 'paused' | 'not_installed';

export interface ServiceStatus {
  service: string;
  state: ServiceState;
  /** The image the service loads, when it is installed and sc reports it. */
  binaryPath?: string;
}

const stateNames: Record<string, ServiceState> = {
  '1': 'stopped', '2': 'start_pending', '3': 'stop_pending', '4': 'running', '5': 'continue_pending', '6': 'pause_pending', '7': 'paused',
};

export interface ScResult {
  code: number;
  output: string;
}

/** Runs a Windows tool; never rejects (a failure is its exit code and output). */
function tool(file: string, args: string[]): Promise<ScResult> {
  return new Promise((resolve) => {
    execFile(file, args, { windowsHide: true, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Runs sc.exe. */
export function sc(args: string[]): Promise<ScResult> {
  return tool('sc.exe', args);
}

/** The service's state, from `sc query`, and its image from the service key (Wine's sc has no `qc`). */
export async function queryService(service: string): Promise<ServiceStatus> {
  const query = await sc(['query', service]);
  if (/\b1060\b/.test(query.output) || /does not exist/i.test(query.output)) return { service, state: 'not_installed' };
  const match = /STATE\s*:\s*(\d)/.exec(query.output);
  if (!match) throw new Error(`sc query ${service} failed (exit ${query.code}): ${query.output.trim()}`);
  const status: ServiceStatus = { service, state: stateNames[match[1]] ?? 'stopped' };
  const key = await tool('reg.exe', ['query', `HKLM\\SYSTEM\\CurrentControlSet\\Services\\${service}`, '/v', 'ImagePath']);
  const image = /ImagePath\s+REG_(?:EXPAND_)?SZ\s+(.+)/.exec(key.output);
  if (image) status.binaryPath = image[1].trim();
  return status;
}

/** Polls until the service reaches `state` (or `timeoutMs` passes); reports each state seen. */
export async function waitForState(service: string, state: ServiceState, timeoutMs: number, onState?: (s: ServiceState) => void): Promise<ServiceStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await queryService(service);
    onState?.(status.state);
    if (status.state === state || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The Wine lane's script in a checkout, or undefined in an installed package. */
export function wineLaneScript(): string | undefined {
  const script = path.join(packageRoot, 'scripts', 'wine-lane.sh');
  return fs.existsSync(script) ? script : undefined;
}

/** Runs `scripts/wine-lane.sh VERB` with its output passed through; resolves to its exit code. */
export function runWineLane(script: string, verb: string, io: { stdout: { write(t: string): unknown }; stderr: { write(t: string): unknown } }): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', [script, verb], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => io.stdout.write(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk.toString()));
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code ?? -1));
  });
}
