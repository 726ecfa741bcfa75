// Preloaded (node --require) into the test suite's processes: the vitest process, whose worker pool
// forks a process per test file (scripts/test.sh), and each test file's process (vitest.config.mjs).
//
// Why: under Wine a new process now and then dies in its loader before it starts. CreateProcess then
// fails and Node throws `spawn UNKNOWN` synchronously, before any child exists (start.exe says
// "ShellExecuteEx failed: Internal error"). The program never ran, so the failure is no result of
// the test's or the product's; left alone, it failed a test file, or (in the worker pool) the
// whole run. So fork, spawn, execFile, exec and their synchronous forms create the process again,
// up to twice, after a pause of 250 ms, then 500 ms, and say so on stderr. Any other error, and a
// program that ran and failed, reaches the caller as before.
'use strict';

const childProcess = require('node:child_process');
const { syncBuiltinESMExports } = require('node:module');
const { promisify } = require('node:util');

const marker = Symbol.for('miracast-hil.spawnRetry');
const attempts = 3;
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** The process could not be created at all (not: the program ran and failed, or was not found). */
function notCreated(error) {
  return error !== null && typeof error === 'object' && error.code === 'UNKNOWN' && String(error.syscall).startsWith('spawn');
}

/** spawnSync's failure: what it threw, or the error its result holds (it throws rarely). */
function spawnSyncFailure(result, thrown) {
  return thrown ?? result?.error;
}

/**
 * Wraps `original` so that a process that could not be created is created again. `failure(result,
 * thrown)` names the error of one attempt: what it threw, or (spawnSync) what its result holds.
 * `say` and `pause` are the retry's voice and wait (tests pass their own).
 */
function retrying(name, original, {
  failure = (_result, thrown) => thrown,
  say = (line) => process.stderr.write(line),
  pause = (ms) => Atomics.wait(pauseCell, 0, 0, ms),   // synchronous: the callers' contract is
} = {}) {
  const wrapped = function (...args) {
    for (let attempt = 1; ; attempt++) {
      let result;
      let thrown;
      try {
        result = original.apply(this, args);
      } catch (error) {
        thrown = error;
      }
      const error = failure(result, thrown);
      if (!notCreated(error) || attempt >= attempts) {
        if (thrown !== undefined) throw thrown;
        return result;
      }
      say(`[spawn-retry] ${name} ${String(args[0])}: the process could not be created (${error.message}); ` +
        `creating it again (${attempt + 1} of ${attempts})\n`);
      pause(250 * attempt);
    }
  };
  Object.defineProperty(wrapped, 'name', { value: original.name });
  return wrapped;
}

function install() {
  if (childProcess[marker]) return;
  for (const name of ['spawn', 'fork', 'exec', 'execFile', 'execSync', 'execFileSync']) {
    const original = childProcess[name];
    const wrapped = retrying(name, original);
    // util.promisify(execFile) and (exec) use their own promise form, which calls the original:
    // it throws the same way, so it is wrapped the same way.
    const custom = original[promisify.custom];
    if (custom) wrapped[promisify.custom] = retrying(name, custom);
    childProcess[name] = wrapped;
  }
  childProcess.spawnSync = retrying('spawnSync', childProcess.spawnSync, { failure: spawnSyncFailure });
  childProcess[marker] = true;
  syncBuiltinESMExports();   // `import { execFile } from 'node:child_process'` sees the wrapped ones
}

install();
module.exports = { retrying, notCreated, spawnSyncFailure, marker };
