// IoControl's BytesReturned, and the host's count of contract violations over the whole run.
import type { KmdCheck } from '../check-context';
import { outcome } from '../check-context';
import { testMiniportCommandSpace } from '../command-space';
import { ddiSpans } from '../trace-analysis';

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

  const before = (await c.stats()).contractViolations;
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
  const added = (await c.stats()).contractViolations - before;
  c.evidence(`${requests.length} IoControls with output buffers from 0 to 4096 bytes; the host counted ${added} contract violation(s)`);
  if (added > 0) c.finding(`the host counted ${added} contract violation(s) during these IoControls`);
}

/** Over the whole run, the host counted no contract violation of the miniport. Runs last. */
export async function checkNoViolations(c: KmdCheck): Promise<void> {
  const { total, byRule } = await c.violationsSoFar();
  c.evidence(`contract violations the host counted since the run began: ${total}`);
  if (total > 0) {
    c.finding(`the host counted ${total} contract violation(s) of the miniport during the run`,
      [...byRule].map(([rule, n]) => `${n} during ${rule}`));
  }
}
