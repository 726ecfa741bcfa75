// The stress campaign: seeded, bounded parts run one after another against the loaded driver,
// ending with a table of figures. `ok` only when nothing was lost anywhere. The CLI's `stress`
// command (lib/cli/stress.ts) and `npm run stress` (scripts/stress.sh) drive it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFuzz } from './fuzz';
import { runAbortStorm } from './abort-storm';
import { runKillStorm } from './kill-storm';
import { runWorkerStorm } from './worker-storm';
import { runUnloadStorm } from './unload';
import { runSoak } from './soak';
import { defaultClientPath } from './client';
import { freshSeed, partSeed } from './random';
import { partNames, type PartName, type PartResult } from './part';
import { formatTable } from './table';
import { checkInteger, checkOptions, invalidArgType, outOfRange } from '../validate';

export { partNames, type PartName, type PartResult } from './part';
export { runFuzz, runAbortStorm, runKillStorm, runWorkerStorm, runUnloadStorm, runSoak };
export { judgeSoak, defaultSoakLimits, type SoakSample, type SoakSummary, type SoakLimits } from './soak';
export { formatTable } from './table';
export { partSeed } from './random';

/** How big each part is. `full` is the campaign of the README; `slice` is what npm test runs. */
export interface StressScale {
  fuzzIoctls: number;
  fuzzThreads: number;
  abortSends: number;
  killProcesses: number;
  killRequests: number;
  workers: number;
  workerRequests: number;
  unloadStops: number;
  soakMs: number;
}

export const stressScales: Record<'full' | 'slice', StressScale> = {
  full: {
    fuzzIoctls: 1_000_000, fuzzThreads: 4, abortSends: 100_000, killProcesses: 100, killRequests: 1000,
    workers: 100, workerRequests: 1000, unloadStops: 100, soakMs: 120_000,
  },
  slice: {
    fuzzIoctls: 20_000, fuzzThreads: 4, abortSends: 3000, killProcesses: 3, killRequests: 1000,
    workers: 4, workerRequests: 500, unloadStops: 5, soakMs: 20_000,
  },
};

export interface StressOptions extends Partial<StressScale> {
  /** Replays a run: every part's choices derive from it. Default: a fresh seed (printed). */
  seed?: number;
  /** The parts to run (default: all, in the order of partNames). */
  only?: PartName[];
  /** The base sizes (default 'full'); the other fields override single figures. */
  scale?: 'full' | 'slice';
  /** Where stress-results.json and the soak's JSON and chart go (default ./build). */
  outDir?: string;
  /** The raw C client (default: build/driver/mhclient.exe of the package). */
  clientPath?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface StressReport {
  ok: boolean;
  seed: number;
  parts: PartResult[];
  table: string;
}

/** Upper bounds of the sizes: a run stays bounded in count (and each part in time). */
const scaleLimits: Record<keyof StressScale, number> = {
  fuzzIoctls: 100_000_000, fuzzThreads: 16, abortSends: 10_000_000, killProcesses: 10_000, killRequests: 4096,
  workers: 10_000, workerRequests: 4096, unloadStops: 10_000, soakMs: 24 * 3_600_000,
};

export async function runStress(options: StressOptions = {}): Promise<StressReport> {
  checkOptions(options, 'options');
  const seed = options.seed === undefined ? freshSeed() : checkInteger(options.seed, 'options.seed', 0, 0xffffffff);
  if (options.scale !== undefined && options.scale !== 'full' && options.scale !== 'slice') {
    throw outOfRange("options.scale must be 'full' or 'slice'");
  }
  const scale = { ...stressScales[options.scale ?? 'full'], ...definedOnly(options) };
  for (const key of Object.keys(scaleLimits) as (keyof StressScale)[]) {
    checkInteger(scale[key], `options.${key}`, key === 'soakMs' ? 1000 : 1, scaleLimits[key]);
  }
  if (options.only !== undefined && !Array.isArray(options.only)) throw invalidArgType('options.only must be an array of part names');
  const only = options.only ?? [...partNames];
  for (const name of only) if (!partNames.includes(name)) throw outOfRange(`unknown stress part: ${String(name)}`);
  const clientPath = options.clientPath ?? defaultClientPath();
  const outDir = options.outDir ?? path.resolve('build');
  const log = options.log ?? (() => {});
  log(`stress: seed ${seed} (replay with --seed ${seed}); parts: ${only.join(', ')}`);

  const runners: Record<PartName, (s: number) => Promise<PartResult>> = {
    fuzz: (s) => runFuzz({ seed: s, ioctls: scale.fuzzIoctls, threads: scale.fuzzThreads, clientPath }),
    abort: (s) => runAbortStorm({ seed: s, sends: scale.abortSends }),
    kill: (s) => runKillStorm({ seed: s, processes: scale.killProcesses, requests: scale.killRequests }),
    worker: (s) => runWorkerStorm({ seed: s, workers: scale.workers, requests: scale.workerRequests }),
    unload: (s) => runUnloadStorm({ seed: s, stops: scale.unloadStops, clientPath }),
    soak: (s) => runSoak({ seed: s, durationMs: scale.soakMs, outDir }),
  };
  const parts: PartResult[] = [];
  for (const name of partNames.filter((p) => only.includes(p))) {
    const s = partSeed(seed, name);
    log(`stress: ${name} (seed ${s}) ...`);
    let result: PartResult;
    try {
      result = await runners[name](s);
    } catch (error) {
      // A part that could not even run has lost what it was to check: it fails the campaign.
      result = { part: name, seed: s, ok: false, operations: 0, lost: 0, ms: 0, figures: {}, problems: [`did not run: ${String(error)}`] };
    }
    if ('samples' in result) delete (result as { samples?: unknown }).samples;   // in stress-soak.json instead
    parts.push(result);
    log(`stress: ${name} ${result.skipped ? 'skipped' : result.ok ? 'ok' : 'FAILED'} in ${(result.ms / 1000).toFixed(1)} s` +
      (result.problems.length ? `: ${result.problems.join('; ')}` : ''));
  }
  const ok = parts.every((p) => p.ok);
  const table = formatTable(seed, parts);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'stress-results.json'), JSON.stringify({ seed, ok, scale, parts }, null, 1));
  return { ok, seed, parts, table };
}

function definedOnly(options: StressOptions): Partial<StressScale> {
  const out: Partial<StressScale> = {};
  for (const key of Object.keys(stressScales.full) as (keyof StressScale)[]) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out;
}
