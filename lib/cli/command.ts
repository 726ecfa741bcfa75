// The shape every command of the `miracast-hil` command line has, and what they share: exit
// codes, the I/O a command writes to, argument parsing with --json and --help.
//
// A command is a module exporting `{ name, summary, usage, run(args, io) }`; commands.ts lists
// them. run() returns the exit code and writes only through `io`, so tests can call it directly.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes, as CI reads them (TAEF's convention). */
export const ExitCode = {
  /** Everything asked for was done, every check passed. */
  OK: 0,
  /** It ran, and something failed: a check, a request, a rule. */
  FAILED: 1,
  /** It could not run: bad usage, no addon, no driver, not elevated. */
  COULD_NOT_RUN: 2,
} as const;

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl+C, for commands that run until stopped (trace --follow). */
  signal?: AbortSignal;
}

export interface CliCommand {
  /** The word after `miracast-hil`. */
  name: string;
  /** One line, for `miracast-hil --help`. */
  summary: string;
  /** The full help text, for `miracast-hil NAME --help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Wrong usage: the dispatcher prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  readonly code = 'ERR_MIRACAST_HIL_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** It could not run (exit 2), with what to do. */
export class CouldNotRunError extends Error {
  readonly code = 'ERR_MIRACAST_HIL_COULD_NOT_RUN';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CouldNotRunError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command takes. */
export const commonOptions = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** util.parseArgs, strict, with --json and --help; a parse error becomes a UsageError. */
export function parseCommandArgs<T extends Options>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** An integer option's value, checked. */
export function integerOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
  return number;
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function writeLine(io: CliIo, text = ''): void {
  io.stdout.write(`${text}\n`);
}
