// The CLI's progress line: only on a terminal, never with --json or under CI, so logs and pipes
// never see it. In-process (no driver); valid in both lanes.
import { describe, expect, it } from 'vitest';
import { createProgress } from '../dist/cli/progress.js';

function fakeIo(isTTY: boolean, env: NodeJS.ProcessEnv = {}) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) };
  return { io: { stdout: stream, stderr: stream, env }, written };
}

describe('createProgress', () => {
  it.each([
    ['a pipe', false, false, {}],
    ['--json on a terminal', true, true, {}],
    ['a terminal under CI', true, false, { CI: 'true' }],
  ])('draws nothing on %s', (_where, isTTY, json, env) => {
    const { io, written } = fakeIo(isTTY, env);
    const progress = createProgress(io, json);
    progress.update('sent 1/2');
    progress.done();
    expect(written).toEqual([]);
  });

  it('on a terminal redraws one line in place and clears it when done', () => {
    const { io, written } = fakeIo(true);
    const progress = createProgress(io, false);
    progress.update('sent 1/2');
    progress.done();
    expect(written).toEqual(['\r\x1b[2Ksent 1/2', '\r\x1b[2K']);
  });
});
