// A detach in progress keeps the process alive until it resolves, even for an agent that does
// not keep the process alive while it waits for messages (ref: false). Valid in both lanes.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers';

describe('an unreferenced agent', () => {
  it('whose detach() is the last await of a script: the script finishes, then ends with code 0', async () => {
    const outcome = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [fixture('detach-last.mjs')], { timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
    expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
    expect(outcome.stdout).toContain('detached');
  });
});
