// IoControl's BytesReturned, and the host's count of contract violations over the whole run.
import type { KmdCheck } from '../check-context';
import { outcome } from '../check-context';
import { testMiniportCommandSpace } from '../command-space';
import { ddiSpans } from '../trace-analysis';
import { describeViolation, violationRules, violationsOf } from '../violations';

/**
 * BytesReturned never exceeds OutputBufferSize: requests whose answer does not fit (the hooks'
 * ECHO of more bytes than the output holds, READ_STATE into a short buffer), and raw ones.
 */
export async function checkBytesReturned(c: KmdCheck): Promise<void> {
  const requests: { input: Buffer; outputSize: number; what: string }[] = [];
  if (c.hooks) {
    const space = testMiniportCommandSpace(c.constants);
    const code = (name: string) => space.commands.find((command) => command.name === name)!.code;
    const header = (name: string, data = Buffer.alloc(0)) => {
      const input = Buffer.concat([Buffer.alloc(space.headerSize), data]);
      input.writeUInt32LE(code(name), 0);
      return input;
    };
    for (const outputSize of [0, 1, 31, 32, 33]) requests.push({ input: header('ECHO', Buffer.alloc(32, 0x5a)), outputSize, what: `ECHO of 32 bytes` });
    const stateSize = c.constants.miniport.stateSize;
    for (const outputSize of [0, 8, stateSize - 1, stateSize]) requests.push({ input: header('READ_STATE'), outputSize, what: 'READ_STATE' });
  }
  for (const outputSize of [0, 1, 16, 4096]) requests.push({ input: c.rng.bytes(c.rng.int(0, 64)), outputSize, what: 'random bytes' });

  const context = await c.device.createContext();
  const mark = await c.traceMark();
  try {
    for (const request of requests) await outcome(context.ioControl(request.input, { outputSize: request.outputSize }));
  } finally {
    await context.destroy();
  }
  const spans = ddiSpans(await c.trace(mark)).filter((s) => s.ddi === 'ioControl' && s.contextId === context.id);
  if (spans.length !== requests.length) throw new Error(`the trace recorded ${spans.length} IoControls for ${requests.length} requests`);
  spans.forEach((span, i) => {
    const { outputSize, what } = requests[i];
    if (span.exit && span.exit.status === 0 && span.exit.result > outputSize) {
      c.finding(`DxgkDdiMiracastIoControl (${what}) reported BytesReturned ${span.exit.result} for a ${outputSize}-byte output buffer`);
    }
  });
  const seen = violationsOf(await c.trace(mark), ['BYTES_RETURNED']);
  c.evidence(`${requests.length} IoControls with output buffers from 0 to 4096 bytes; the host saw ${seen.length} BYTES_RETURNED violation(s)`);
  for (const e of seen) c.evidence(describeViolation(c, e));
}

/**
 * Over the whole run, the host saw no contract violation that no other rule reports (each kind a
 * rule claims is that rule's finding: a broken miniport fails the rule it broke, and no other).
 * Runs last.
 */
export async function checkNoViolations(c: KmdCheck): Promise<void> {
  const { total, byRule } = await c.violationsSoFar();
  const events = violationsOf(await c.runEvents());
  // A miniport with a wrong TargetId indicates its monitor on that target: the consequence is
  // kmd.create.target-is-child's finding, not a second one here.
  const wrongTargets = new Set(events.filter((e) => e.violation === 'TARGET_NOT_CHILD').map((e) => e.arg0));
  const unclaimed = events.filter((e) => violationRules[e.violation] === undefined &&
    !(e.violation === 'CHILD_STATUS' && wrongTargets.has(e.arg0)));
  c.evidence(`contract violations the host counted since the run began: ${total}` +
    (byRule.size > 0 ? ` (${[...byRule].map(([rule, n]) => `${n} during ${rule}`).join(', ')})` : ''));
  const byKind = new Map<string, number>();
  for (const e of unclaimed) byKind.set(e.violation, (byKind.get(e.violation) ?? 0) + 1);
  for (const [kind, n] of byKind) {
    c.finding(`the host saw ${n} ${kind} violation(s): ${c.constants.violationDescriptions[kind] ?? 'an unknown kind'}`);
  }
}
