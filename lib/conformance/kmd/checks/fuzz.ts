// The IoControl fuzzer. The documentation makes the miniport responsible for checking the sizes
// of DxgkDdiMiracastIoControl's buffers, a classic source of kernel bugs: this sends seeded random
// sizes and contents (raw bytes, and the miniport's own command space when it declares one) and
// reports, with the seed and case that replay it:
//   - a driver host that stops answering (a crash or a hang),
//   - a write past OutputBufferSize the host's guard found (IOCONTROL_OVERRUN),
//   - a return value outside the NTSTATUS conventions for a synchronous DDI,
//   - an error the DDI returned that did not reach the caller unchanged.
// Cases are generated from the seed alone, never from results, so the same seed gives the same cases.
import { NtStatus, ntStatusName } from '../../../ntstatus';
import { formatSeed } from '../../prng';
import type { Rng } from '../../types';
import { NoAnswerError, outcome, statusOf, type KmdCheck } from '../check-context';
import { testMiniportCommandSpace, type ArgRanges, type CommandSpace } from '../command-space';
import { ddiSpans, ddiStatusProblem } from '../trace-analysis';
import { violationsOf } from '../violations';

export interface FuzzCase {
  index: number;
  strategy: 'raw' | 'command' | 'unknownCommand';
  /** The declared command, for 'command' cases. */
  command?: string;
  input: Buffer;
  outputSize: number;
  hardwareAccess: boolean;
}

const edges = [0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 23, 24, 25, 31, 32, 33, 63, 64, 65, 255, 256, 257, 4095, 4096, 4097];

/** A size: mostly edges (and the declared sizes' neighbours), sometimes anything up to `max`. */
function size(rng: Rng, max: number, declared: readonly number[]): number {
  const near = declared.flatMap((s) => [s - 1, s, s + 1]).filter((s) => s >= 0);
  if (rng.chance(0.7)) return Math.min(max, rng.pick([...edges, ...near, max - 1, max]));
  return rng.chance(0.8) ? rng.int(0, Math.min(max, 4096)) : rng.int(0, max);
}

function argument(rng: Rng, ranges: ArgRanges): number {
  const [low, high] = rng.pick(ranges);
  if (rng.chance(0.5)) return rng.pick([low, high, Math.min(high, low + 1), Math.max(low, high - 1)]);
  return rng.int(low, high);
}

export function generateCase(rng: Rng, index: number, space: CommandSpace | undefined, maxBytes: number): FuzzCase {
  const hardwareAccess = rng.chance(0.15);
  const outputSize = size(rng, maxBytes, space?.outputSizes ?? []);
  const roll = rng.u32() % 10;
  if (space && roll < 5) {
    const command = rng.pick(space.commands);
    const dataSize = rng.chance(0.8) ? rng.int(0, 64) : size(rng, maxBytes - space.headerSize, []);
    const input = Buffer.concat([Buffer.alloc(space.headerSize), rng.bytes(dataSize)]);
    input.writeUInt32LE(command.code, 0);
    command.args.forEach((ranges, i) => {
      if (4 + 4 * i + 4 <= space.headerSize) input.writeUInt32LE(argument(rng, ranges) >>> 0, 4 + 4 * i);
    });
    return { index, strategy: 'command', command: command.name, input, outputSize, hardwareAccess };
  }
  if (space && roll < 7) {
    const known = new Set([...space.commands, ...space.notFuzzed].map((c) => c.code));
    let code = rng.pick([0, 0xffffffff, 0x80000000, Math.max(...known) + 1, rng.u32()]);
    if (known.has(code)) code = 0xfffffffe;
    const input = Buffer.concat([Buffer.alloc(space.headerSize), rng.bytes(rng.int(0, 32))]);
    input.writeUInt32LE(code >>> 0, 0);
    for (let offset = 4; offset + 4 <= space.headerSize; offset += 4) input.writeUInt32LE(rng.u32(), offset);
    return { index, strategy: 'unknownCommand', input, outputSize, hardwareAccess };
  }
  return { index, strategy: 'raw', input: rng.bytes(size(rng, maxBytes, space ? [space.headerSize] : [])), outputSize, hardwareAccess };
}

export function describeCase(c: FuzzCase): string {
  const head = c.input.subarray(0, 24).toString('hex');
  return `case ${c.index} (${c.strategy}${c.command ? ` ${c.command}` : ''}): input ${c.input.length} bytes ` +
    `${head}${c.input.length > 24 ? '...' : ''}, OutputBufferSize ${c.outputSize}${c.hardwareAccess ? ', HardwareAccess' : ''}`;
}

/** FNV-1a over every case, so two runs can show they sent the same cases. */
function digest(cases: readonly FuzzCase[]): string {
  let hash = 0x811c9dc5;
  const mix = (byte: number) => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  for (const c of cases) {
    for (const byte of c.input) mix(byte);
    for (const byte of [c.outputSize & 0xff, (c.outputSize >>> 8) & 0xff, c.outputSize >>> 16, c.hardwareAccess ? 1 : 0]) mix(byte);
  }
  return hash.toString(16).padStart(8, '0');
}

interface CaseResult {
  fuzzCase: FuzzCase;
  /** The status the caller saw (0 for success). */
  callerStatus: number;
  returned: number;
}

const answerTimeoutMs = 10_000;
const traceBatch = 32;

export async function checkIoControlFuzz(c: KmdCheck): Promise<void> {
  const space = c.hooks ? testMiniportCommandSpace(c.constants) : undefined;
  const maxBytes = c.constants.limits.maxIoControlBytes;
  const context = await c.device.createContext();
  const stateBefore = c.hooks ? await context.miniport.readState() : undefined;
  const problems = new Map<string, string[]>();
  const statuses = new Map<string, number>();
  const cases: FuzzCase[] = [];
  const replay = (fc: FuzzCase) =>
    `miracast-hil conformance --rule ${c.ruleId} --seed ${formatSeed(c.runSeed)} --fuzz-cases ${fc.index + 1} (then ${describeCase(fc)})`;
  const problem = (kind: string, fc: FuzzCase, message: string) => {
    const list = problems.get(kind) ?? [];
    if (list.length === 0) c.finding(`${message} (${describeCase(fc)})`, [], { replay: replay(fc) });
    list.push(describeCase(fc));
    problems.set(kind, list);
  };
  const started = Date.now();
  let pending: CaseResult[] = [];
  let mark = await c.traceMark();
  let stopped: string | undefined;
  let overReports = 0;

  /** Matches the batch's cases to the DDI calls the trace recorded for them, in order. */
  const audit = async () => {
    const spans = ddiSpans(await c.trace(mark)).filter((s) => s.ddi === 'ioControl' && s.contextId === context.id);
    mark = await c.traceMark();
    if (spans.length !== pending.length) {
      c.evidence(`the trace recorded ${spans.length} IoControl(s) for ${pending.length} case(s) of a batch`);
    }
    pending.forEach((result, i) => {
      const span = spans[i];
      if (!span?.exit) return;
      const ddiStatus = span.exit.status >>> 0;
      const bytes = span.exit.result;
      const conventionProblem = ddiStatusProblem(ddiStatus);
      if (conventionProblem) problem('status', result.fuzzCase, `DxgkDdiMiracastIoControl ${conventionProblem}`);
      if (ddiStatus === 0 && bytes > result.fuzzCase.outputSize) {
        // kmd.iocontrol.bytes-returned's finding, not this rule's: noted only.
        overReports++;
      } else if (ddiStatus !== 0 && !conventionProblem && result.callerStatus !== ddiStatus) {
        problem('lostError', result.fuzzCase, `DxgkDdiMiracastIoControl returned ${ntStatusName(ddiStatus)} but the caller got ${ntStatusName(result.callerStatus)}`);
      }
    });
    pending = [];
  };

  try {
    // A violation shows in the stats at once; only then is the trace read for its kind.
    let violations = (await c.stats()).contractViolations;
    let caseMark = await c.traceMark();
    for (let index = 0; index < c.fuzzCases; index++) {
      if (Date.now() > c.deadline - 2000) {
        stopped = `the run's time bound: ${index} of ${c.fuzzCases} cases sent`;
        break;
      }
      const fc = generateCase(c.rng, index, space, maxBytes);
      cases.push(fc);
      const result = await outcome(c.within(context.ioControl(fc.input, { outputSize: fc.outputSize, hardwareAccess: fc.hardwareAccess }),
        answerTimeoutMs, `IoControl ${describeCase(fc)}`));
      let callerStatus = 0;
      let returned = 0;
      if (result.ok) {
        returned = result.value.length;
        if (returned > fc.outputSize) problem('callerBytes', fc, `the caller received ${returned} bytes for a ${fc.outputSize}-byte output buffer`);
      } else if (result.error instanceof NoAnswerError) {
        problem('noAnswer', fc, `the driver host did not answer an IoControl within ${answerTimeoutMs} ms: it crashed or hangs`);
        stopped = 'the driver host stopped answering';
        break;
      } else {
        const status = statusOf(result.error);
        if (status === undefined) throw result.error;
        callerStatus = status;
      }
      const name = ntStatusName(callerStatus);
      statuses.set(name, (statuses.get(name) ?? 0) + 1);
      pending.push({ fuzzCase: fc, callerStatus, returned });
      const now = (await c.stats()).contractViolations;
      const overruns = now === violations ? [] : violationsOf(await c.trace(caseMark), ['IOCONTROL_OVERRUN']);
      if (now !== violations) {
        violations = now;
        caseMark = await c.traceMark();
      }
      if (overruns.length > 0) {
        problem('overrun', fc, `DxgkDdiMiracastIoControl wrote past OutputBufferSize ${fc.outputSize} (the host's ${overruns[0].violation}: guard byte ` +
          `${overruns[0].arg1} after it changed): it sized what it wrote by something other than the output buffer`);
      }
      if (pending.length >= traceBatch) await audit();
    }
    if (pending.length > 0 && stopped !== 'the driver host stopped answering') await audit();
    if (stateBefore && stopped !== 'the driver host stopped answering') {
      const state = await context.miniport.readState();
      const blocks = state.blocksOutstanding - stateBefore.blocksOutstanding;
      const bad = state.badCallbacks - stateBefore.badCallbacks;
      if (blocks !== 0 || bad !== 0) c.finding(`fuzzing left the miniport with ${blocks} more block(s) outstanding and ${bad} more bad callback(s)`);
    }
  } finally {
    await outcome(context.destroy());
  }
  const byStrategy = ['raw', 'command', 'unknownCommand'].map((s) => `${cases.filter((fc) => fc.strategy === s).length} ${s}`).join(', ');
  c.evidence(`${cases.length} cases (${byStrategy}) in ${Date.now() - started} ms, seed ${formatSeed(c.runSeed)} ` +
    `(rule seed ${formatSeed(c.seed)}), cases digest ${digest(cases)}${space ? `, inside ${space.description}` : ', raw bytes only (no declared command space)'}`);
  for (const command of space?.notFuzzed ?? []) c.evidence(`not fuzzed: ${command.name}, which ${command.why}`);
  c.evidence(`statuses the caller saw: ${[...statuses].map(([name, n]) => `${name} x${n}`).join(', ')}`);
  for (const [kind, list] of problems) {
    if (list.length > 1) c.evidence(`${list.length} cases showed the same ${kind} problem; the first: ${list[0]}`);
  }
  if (stopped) c.evidence(`stopped early: ${stopped}`);
  if (overReports > 0) c.evidence(`${overReports} case(s) reported BytesReturned over OutputBufferSize: kmd.iocontrol.bytes-returned's finding`);
  if (!statuses.has(ntStatusName(NtStatus.STATUS_SUCCESS)) && space) {
    c.evidence('no case succeeded: the declared command space was never entered successfully');
  }
}
