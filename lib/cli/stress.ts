// `miracast-hil stress`: parses its arguments, runs the campaign (lib/stress) and prints the
// table. Exit code 0 only when nothing was lost; 1 when something was; 2 when it could not run
// (bad usage: the dispatcher prints it).
import { runStress, partNames, type PartName, type StressOptions } from '../stress';
import { ExitCode, UsageError, writeJson, writeLine, type CliCommand, type CliIo } from './command';

const usage = `usage: miracast-hil stress [options]
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
  --client PATH       the raw C client (default: the package's build/driver/mhclient.exe)
  --json              the report as JSON on stdout instead of the table

Run it with node --expose-gc so the soak also judges the heap after a full GC. The unload storm
runs on the Wine lane only. Exit code: 0 nothing lost, 1 something lost or broken, 2 could not run.`;

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
export function parseStressArgs(args: readonly string[]): StressOptions & { help?: boolean; json?: boolean } {
  const options: StressOptions & { help?: boolean; json?: boolean } = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = (): string => {
      if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
      return args[++i];
    };
    switch (flag) {
      case '--help': case '-h': options.help = true; break;
      case '--json': options.json = true; break;
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

export const stress: CliCommand = {
  name: 'stress',
  summary: 'the seeded stress campaign (fuzz, abort, kill, worker, unload, soak); 0 only when nothing was lost',
  usage,
  async run(args: string[], io: CliIo): Promise<number> {
    const { help, json, ...options } = parseStressArgs(args);
    if (help) {
      writeLine(io, usage);
      return ExitCode.OK;
    }
    // Progress is for people (stderr); the table or the JSON is the result (stdout).
    const report = await runStress({ ...options, log: (line) => io.stderr.write(`${line}\n`) });
    if (json) writeJson(io, { seed: report.seed, ok: report.ok, parts: report.parts });
    else writeLine(io, `\n${report.table}`);
    return report.ok ? ExitCode.OK : ExitCode.FAILED;
  },
};
