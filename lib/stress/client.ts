// The raw C client (mhclient.exe, driver/exe): the fuzz and the unload storm run inside it, with
// no addon in between. It prints one JSON line of figures and exits 0 only when nothing was lost.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../binding';

/** Where the build puts the client: build/driver/mhclient.exe under the package root. */
export function defaultClientPath(): string {
  return path.join(packageRoot, 'build', 'driver', 'mhclient.exe');
}

export interface ClientRun {
  code: number | null;
  /** The JSON line the client printed, or undefined when it printed none (it crashed, or hung). */
  report: Record<string, unknown> | undefined;
  stderr: string;
}

/** Runs `mhclient MODE ARGS` and reads its JSON line. A missing client is an error, not a skip. */
export function runClient(clientPath: string, args: string[], timeoutMs: number): Promise<ClientRun> {
  if (!fs.existsSync(clientPath)) {
    return Promise.reject(new Error(`the raw C client is not built (${clientPath}); run npm run build`));
  }
  return new Promise((resolve) => {
    execFile(clientPath, args, { timeout: timeoutMs, maxBuffer: 16 << 20, windowsHide: true }, (error, stdout, stderr) => {
      const line = String(stdout).split(/\r?\n/).reverse().find((l) => l.startsWith('{'));
      let report: Record<string, unknown> | undefined;
      try {
        report = line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
      } catch {
        report = undefined;
      }
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ code, report, stderr: String(stderr) });
    });
  });
}

export const num = (report: Record<string, unknown> | undefined, key: string): number =>
  typeof report?.[key] === 'number' ? (report[key] as number) : NaN;
