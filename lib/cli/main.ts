#!/usr/bin/env node
// The package's bin: `miracast-hil <command>`. Ctrl+C stops a command that runs until stopped
// (trace --follow) cleanly; a second Ctrl+C ends the process.
import { runCli } from './index';

const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`miracast-hil: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
