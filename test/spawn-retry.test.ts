// The suite's guard against a Wine flake (scripts/lib/spawn-retry.cjs): a process that could not be
// created at all is created again, up to twice; nothing else is retried. Valid in both lanes.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { retrying, spawnSyncFailure } = require('../scripts/lib/spawn-retry.cjs') as {
  retrying: (name: string, original: (...args: unknown[]) => unknown, options?: {
    failure?: (result: unknown, thrown: unknown) => unknown; say?: (line: string) => void; pause?: (ms: number) => void;
  }) => (...args: unknown[]) => unknown;
  spawnSyncFailure: (result: unknown, thrown: unknown) => unknown;
};

const notCreated = () => Object.assign(new Error('spawn UNKNOWN'), { code: 'UNKNOWN', errno: -4094, syscall: 'spawn' });
const notFound = () => Object.assign(new Error('spawn nothing.exe ENOENT'), { code: 'ENOENT', syscall: 'spawn nothing.exe' });
const exited = () => Object.assign(new Error('Command failed'), { code: 1 });

/** Runs `retrying` over an original that fails with `failures` in turn, then returns 'child'. */
function attempt(failures: Array<() => Error>, options: { viaResult?: boolean } = {}) {
  const said: string[] = [];
  const paused: number[] = [];
  let calls = 0;
  const original = (file: unknown) => {
    const failure = failures[calls++];
    if (failure && options.viaResult) return { error: failure(), file };
    if (failure) throw failure();
    return { child: file };
  };
  const wrapped = retrying('spawn', original, {
    say: (line) => said.push(line), pause: (ms) => paused.push(ms),
    ...(options.viaResult ? { failure: spawnSyncFailure } : {}),
  });
  let outcome: unknown;
  let error: unknown;
  try {
    outcome = wrapped('program.exe');
  } catch (e) {
    error = e;
  }
  return { outcome, error, calls, said, paused };
}

describe('a process that could not be created', () => {
  it('every test process of the suite has the guard preloaded', () => {
    // Preloaded, it is in place before any module of the test binds child_process's functions.
    expect(process.execArgv.some((arg) => arg.endsWith('spawn-retry.cjs')), 'preloaded with --require').toBe(true);
  });

  const cases = [
    { name: 'created at the second attempt', failures: [notCreated], calls: 2, created: true, paused: [250] },
    { name: 'created at the third attempt', failures: [notCreated, notCreated], calls: 3, created: true, paused: [250, 500] },
    { name: 'never created: the third failure is thrown', failures: [notCreated, notCreated, notCreated], calls: 3, created: false, paused: [250, 500] },
    { name: 'a program not found is not retried', failures: [notFound], calls: 1, created: false, paused: [] },
    { name: 'a program that ran and failed is not retried', failures: [exited], calls: 1, created: false, paused: [] },
    { name: 'created at once: no retry, nothing said', failures: [], calls: 1, created: true, paused: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = attempt(c.failures);
      expect(result.calls, 'attempts').toBe(c.calls);
      expect(result.paused, 'pauses').toEqual(c.paused);
      expect(result.said.length, 'lines on stderr').toBe(c.paused.length);
      if (c.created) {
        expect(result.outcome).toEqual({ child: 'program.exe' });
        expect(result.error).toBeUndefined();
      } else {
        expect(result.error).toBeInstanceOf(Error);
        expect((result.error as NodeJS.ErrnoException).code).toBe(c.failures[c.failures.length - 1]().code);
      }
    });
  }

  it('spawnSync: a result whose error says the process was not created is retried; the retry is said', () => {
    const result = attempt([notCreated], { viaResult: true });
    expect(result.calls).toBe(2);
    expect(result.outcome).toEqual({ child: 'program.exe' });
    expect(result.said[0]).toMatch(/^\[spawn-retry\] spawn program\.exe: the process could not be created .*\(2 of 3\)/);
  });
});
