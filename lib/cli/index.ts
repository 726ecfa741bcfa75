// The `miracast-hil` dispatcher: picks the command, turns what it throws into a message that says
// what to do and an exit code CI reads (command.ts: 0 ok, 1 failed, 2 could not run).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AddonLoadError, packageRoot } from '../binding';
import { ContractVersionError, NtStatusError } from '../errors';
import { DeviceOpenError } from '../open-error';
import { CouldNotRunError, ExitCode, UsageError, type CliCommand, type CliIo } from './command';
import { commands } from './commands';

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function mainUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `usage: miracast-hil <command> [options]

${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Every command takes --json (machine-readable output on stdout) and --help.
Exit codes: 0 ok, 1 something failed, 2 could not run.
NODE_DEBUG=miracast-hil logs every request and completion to stderr.`;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === args[0]) : undefined;
    io.stdout.write(`${topic ? topic.usage : mainUsage()}\n`);
    return ExitCode.OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return ExitCode.OK;
  }
  const command: CliCommand | undefined = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`miracast-hil: unknown command ${name}\n\n${mainUsage()}\n`);
    return ExitCode.COULD_NOT_RUN;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return ExitCode.OK;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    return report(command, error, io);
  }
}

function report(command: CliCommand, error: unknown, io: CliIo): number {
  const say = (text: string) => io.stderr.write(`miracast-hil ${command.name}: ${text}\n`);
  if (error instanceof UsageError) {
    say(error.message);
    io.stderr.write(`\n${command.usage}\n`);
    return ExitCode.COULD_NOT_RUN;
  }
  if (error instanceof DeviceOpenError || error instanceof AddonLoadError || error instanceof CouldNotRunError) {
    say(error.message);
    return ExitCode.COULD_NOT_RUN;
  }
  if (error instanceof ContractVersionError) {
    say(`${error.message}: install the driver that ships with this version of miracast-hil ` +
      '(`miracast-hil driver install`), or use the library version that matches the driver');
    return ExitCode.COULD_NOT_RUN;
  }
  if (error instanceof NtStatusError) {
    say(`${error.message}. \`miracast-hil doctor\` checks the setup; NODE_DEBUG=miracast-hil shows every request.`);
    return ExitCode.FAILED;
  }
  say(`could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return ExitCode.COULD_NOT_RUN;
}
