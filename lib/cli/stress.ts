// The CLI's `stress` command: parses its arguments, runs the campaign (lib/stress) and prints the
// table. Exit code 0 only when nothing was lost; 1 when something was; 2 for a usage error.
import { runStress, partNames, type PartName, type StressOptions } from '../stress';

export const name = 'stress';
export const summary = 'run the seeded stress campaign against the loaded driver; exit 0 only when nothing was lost';
export const usage = `usage: miracast-hil stress [options]
  --seed N            replay a run (default: a fresh seed, printed at the start and in the table)
  --only LIST         parts to run, comma-separated: ${partNames.join(',')} (default: all)
  --duration TIME     the soak's length: 90s, 10m, 1h (default 2m; 20s with --slice)
  --slice             the short sizes npm test uses, instead of the full campaign
  --ioctls N          fuzz: IOCTLs (default 1000000)
  --threads N         fuzz: threads (default 4)
  --sends N           abort/timeout storm: sends (default 100000)
  --processes N       process-kill storm: processes (default 100)
  --requests N        requests in flight per killed process and per terminated worker (default 1000)
  --workers N         worker-termination storm: workers (default 100)
  --stops N           unload storm: driver stops (default 100; Wine lane only)
  --out DIR           where stress-results.json, stress-soak.json and stress-soak.svg go (default ./build)
  --client PATH       the raw C client (default: the package's build/driver/mhclient.exe)`;

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

class UsageError extends Error {}

/** '90s', '10m', '1h', '500ms', or a bare number of seconds, in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--duration: not a duration: ${text} (try 90s, 10m or 1h)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(Number(match[1]) * factor);
  if (ms < 1000 || ms > 24 * 3_600_000) throw new UsageError('--duration must be between 1s and 24h');
  return ms;
}

function count(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`${flag} needs a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${flag} must be between ${min} and ${max}`);
  return value;
}

/** The campaign's options from command-line arguments (throws UsageError on anything unknown). */
export function parseStressArgs(args: readonly string[]): StressOptions & { help?: boolean } {
  const options: StressOptions & { help?: boolean } = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = (): string => {
      if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
      return args[++i];
    };
    switch (flag) {
      case '--help': case '-h': options.help = true; break;
      case '--seed': options.seed = count(flag, value(), 0, 0xffffffff); break;
      case '--only': {
        const parts = value().split(',').map((p) => p.trim()).filter(Boolean);
        const unknown = parts.filter((p) => !partNames.includes(p as PartName));
        if (unknown.length || parts.length === 0) throw new UsageError(`--only: unknown part ${unknown.join(', ')} (parts: ${partNames.join(', ')})`);
        options.only = parts as PartName[];
        break;
      }
      case '--duration': options.soakMs = parseDuration(value()); break;
      case '--slice': options.scale = 'slice'; break;
      case '--ioctls': options.fuzzIoctls = count(flag, value(), 1, 100_000_000); break;
      case '--threads': options.fuzzThreads = count(flag, value(), 1, 16); break;
      case '--sends': options.abortSends = count(flag, value(), 1, 10_000_000); break;
      case '--processes': options.killProcesses = count(flag, value(), 1, 10_000); break;
      case '--requests': { const n = count(flag, value(), 1, 4096); options.killRequests = n; options.workerRequests = n; break; }
      case '--workers': options.workers = count(flag, value(), 1, 10_000); break;
      case '--stops': options.unloadStops = count(flag, value(), 1, 10_000); break;
      case '--out': options.outDir = value(); break;
      case '--client': options.clientPath = value(); break;
      default: throw new UsageError(`unknown option: ${flag}`);
    }
  }
  return options;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let options: ReturnType<typeof parseStressArgs>;
  try {
    options = parseStressArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`miracast-hil stress: ${error.message}\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(`${summary}\n${usage}\n`);
    return 0;
  }
  const report = await runStress({ ...options, log: (line) => io.stdout.write(`${line}\n`) });
  io.stdout.write(`\n${report.table}\n`);
  return report.ok ? 0 : 1;
}
