// A vitest reporter that writes what vitest's JSON report leaves out - the errors it caught
// outside any test (unhandled rejections, uncaught exceptions, a crashed worker) and a run that
// never finished - as a result file of the format scripts/lib/summary.mjs merges.
//
// It writes a failing "incomplete" file when the run starts and replaces it when the run ends.
// When vitest itself dies first (a worker that crashes makes it exit on "Channel closed"), the
// file is rewritten at process exit with what killed it, so the closing line can say so.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const typeWords = { 'Unhandled Rejection': 'unhandled rejection', 'Uncaught Exception': 'uncaught exception' };
const crashPattern = /Worker exited unexpectedly|Worker forks emitted error|Channel closed|ERR_IPC_CHANNEL_CLOSED|process\.exit unexpectedly/i;

/** One error vitest caught outside a test, as a failure of the result file. */
export function describeRunError(error) {
  const message = String(error?.message ?? error ?? '');
  const kind = crashPattern.test(`${message} ${error?.code ?? ''}`) ? 'crashed worker' : typeWords[error?.type] ?? 'unhandled error';
  const where = error?.VITEST_TEST_PATH ? path.basename(String(error.VITEST_TEST_PATH)) : 'outside any test file';
  const name = error?.VITEST_TEST_NAME ? `${where} > ${error.VITEST_TEST_NAME}` : where;
  return { kind, name, message: `${error?.name ?? 'Error'}: ${message}`.split('\n')[0] };
}

export default class VitestRunReporter {
  #finished = false;
  #fatal = [];
  #current = '';

  /** @param {{ outputFile: string }} options */
  constructor(options) {
    this.outputFile = path.resolve(options.outputFile);
  }

  #write(failures) {
    mkdirSync(path.dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify({ source: 'vitest-run', passed: 0, skipped: 0, failures }, null, 2)}\n`);
  }

  onInit() {
    this.#write([{ kind: 'incomplete', name: 'vitest', message: 'the vitest run did not finish' }]);
    // Vitest's own handler exits the process on an unhandled rejection in its main process:
    // be first to see it. Nothing else changes (a handler is installed either way).
    process.prependListener('unhandledRejection', (reason) => {
      this.#fatal.push(describeRunError({ type: 'Unhandled Rejection', name: reason?.name, message: reason?.message ?? String(reason), code: reason?.code }));
    });
    // First too at exit: vitest's own exit listener calls process.exit(), which ends the process
    // without running the listeners after it.
    process.prependOnceListener('exit', () => {
      if (!this.#finished) {
        this.#write(this.#fatal.length > 0 ? this.#fatal
          : [{ kind: 'incomplete', name: 'vitest', message: `vitest stopped before the end of the run${this.#current ? ` (in ${this.#current})` : ''}` }]);
      }
    });
  }

  // Files run one after another: a run ended from outside (the watchdog of scripts/test.sh, a
  // killed lane) leaves this file saying which one it was in.
  onTestModuleStart(testModule) {
    this.#current = path.basename(String(testModule?.moduleId ?? ''));
    this.#write([{ kind: 'incomplete', name: 'vitest', message: `the vitest run did not finish (the last file started: ${this.#current})` }]);
  }

  onTestRunEnd(_modules, unhandledErrors, reason) {
    const failures = [...(unhandledErrors ?? [])].map(describeRunError);
    if (reason === 'interrupted') {
      failures.push({ kind: 'interrupted run', name: 'vitest', message: 'the run was interrupted' });
    }
    this.#finished = true;
    this.#write(failures);
  }
}
