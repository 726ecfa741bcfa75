// A one-line progress display for long commands: redrawn in place on stderr, and only when
// stderr is a terminal and the output is not --json, so logs and pipes never see it.
import type { CliIo } from './command';

export interface Progress {
  update(text: string): void;
  done(): void;
}

export function createProgress(io: CliIo, json: boolean): Progress {
  const live = io.stderr.isTTY === true && !json && !io.env.CI;
  let shown = false;
  let last = 0;
  return {
    update(text: string): void {
      if (!live) return;
      const now = Date.now();
      if (shown && now - last < 100) return; // at most ten redraws a second
      last = now;
      shown = true;
      io.stderr.write(`\r\x1b[2K${text}`);
    },
    done(): void {
      if (live && shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
