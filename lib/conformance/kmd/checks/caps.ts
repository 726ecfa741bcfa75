// QueryCaps: the size check, the flags, and caps that do not change.
import { ntStatusName } from '../../../ntstatus';
import type { MiracastCaps } from '../../../types';
import { outcome, statusOf, type KmdCheck } from '../check-context';
import { severity } from '../trace-analysis';
import { reportViolations } from '../violations';

/** DXGK_MIRACAST_CAPS is 8 bytes on every architecture. */
const capsSize = 8;

/** QueryCaps refuses a MiracastCapsSize smaller than DXGK_MIRACAST_CAPS and succeeds with its size. */
export async function checkCapsSize(c: KmdCheck): Promise<void> {
  for (const size of [0, 1, 4, capsSize - 1]) {
    const result = await outcome(c.device.queryCaps({ capsSize: size }));
    if (result.ok) {
      c.finding(`QueryCaps returned STATUS_SUCCESS for MiracastCapsSize ${size}, smaller than DXGK_MIRACAST_CAPS (${capsSize} bytes): ` +
        'it filled the caps without checking the size');
      continue;
    }
    const status = statusOf(result.error);
    if (status === undefined) throw result.error;
    if (severity(status) !== 'error') {
      c.finding(`QueryCaps answered MiracastCapsSize ${size} with ${ntStatusName(status)}, which is not an error status`);
    } else {
      c.evidence(`MiracastCapsSize ${size}: ${ntStatusName(status)}`);
    }
  }
  const full = await outcome(c.device.queryCaps({ capsSize }));
  if (!full.ok) {
    const status = statusOf(full.error);
    if (status === undefined) throw full.error;
    c.finding(`QueryCaps failed with ${ntStatusName(status)} for MiracastCapsSize ${capsSize}, the size of DXGK_MIRACAST_CAPS`);
  } else {
    c.evidence(`MiracastCapsSize ${capsSize}: STATUS_SUCCESS`);
  }
  // The host's record agrees with what the calls returned: each size reached the miniport.
  const entered = (await c.trace()).filter((e) => e.kind === 'ddiEnter' && e.ddi === 'queryCaps').map((e) => e.arg0);
  c.evidence(`the trace shows QueryCaps entered with MiracastCapsSize ${entered.join(', ')}`);
  if (entered.length !== 5) {
    c.finding(`the host recorded ${entered.length} QueryCaps calls where the check made 5`, [`sizes recorded: ${entered.join(', ')}`]);
  }
}

/** HDCP support is set; Flags.Reserved is 0; the host traced no CAPS_RESERVED or CAPS_NO_HDCP. */
export async function checkCapsFlags(c: KmdCheck): Promise<void> {
  const caps = await c.device.queryCaps();
  c.evidence(`caps: MaxChunkPrivateDriverDataSize ${caps.maxChunkPrivateDriverDataSize}, Flags 0x${caps.flags.toString(16)}`);
  if (!caps.hdcpSupport) {
    c.finding('QueryCaps reported no HDCP support: a Miracast driver must support HDCP', [`Flags 0x${caps.flags.toString(16)}`]);
  }
  if ((caps.flags & ~1) !== 0) {
    c.finding(`QueryCaps set Flags.Reserved bits (0x${((caps.flags & ~1) >>> 0).toString(16)}): they must be 0`, [`Flags 0x${caps.flags.toString(16)}`]);
  }
  const seen = await reportViolations(c, ['CAPS_RESERVED', 'CAPS_NO_HDCP'], (e) => `the host saw ${e.violation} in QueryCaps (Flags 0x${e.arg0.toString(16)})`);
  if (seen > 0) c.evidence('(the host\'s own detection agrees with the flags read back)');
}

/**
 * QueryCaps writes nothing past MiracastCapsSize: the host puts guard bytes after the size it
 * passes (CAPS_OVERRUN when one changed). Sizes: exactly the struct, a little and a lot more.
 */
export async function checkCapsNoOverrun(c: KmdCheck): Promise<void> {
  const sizes = [capsSize, capsSize + 1, capsSize + 8, 64];
  for (const size of sizes) {
    const result = await outcome(c.device.queryCaps({ capsSize: size }));
    if (!result.ok && statusOf(result.error) === undefined) throw result.error;
  }
  c.evidence(`QueryCaps called with MiracastCapsSize ${sizes.join(', ')}, each followed by 16 guard bytes`);
  await reportViolations(c, ['CAPS_OVERRUN'],
    (e) => `QueryCaps wrote past MiracastCapsSize ${e.arg0}: guard byte ${e.arg1} after it changed`);
}

/** The caps do not change: across calls, and while a context is live. */
export async function checkCapsStable(c: KmdCheck): Promise<void> {
  const describe = (caps: MiracastCaps) => `MaxChunkPrivateDriverDataSize ${caps.maxChunkPrivateDriverDataSize}, Flags 0x${caps.flags.toString(16)}`;
  const first = await c.device.queryCaps();
  const context = await c.device.createContext();
  let during: MiracastCaps;
  try {
    during = await c.device.queryCaps();
  } finally {
    await context.destroy();
  }
  const after = await c.device.queryCaps();
  c.evidence(`before a context: ${describe(first)}; with one live: ${describe(during)}; after: ${describe(after)}`);
  for (const [when, caps] of [['while a context was live', during], ['after the context was destroyed', after]] as const) {
    if (caps.flags !== first.flags || caps.maxChunkPrivateDriverDataSize !== first.maxChunkPrivateDriverDataSize) {
      c.finding(`QueryCaps answered differently ${when}: ${describe(caps)}, first ${describe(first)}`);
    }
  }
}
