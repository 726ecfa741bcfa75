// What kernel-miniport rules may need beyond the four Miracast DDIs, and how a run finds out
// whether the hosted miniport and this host offer it: a context and the test hooks are probed on
// the driver; the host's own detections (the tracker, the guards, the watchdog, the start record)
// are always there; IRQL is not visible in either lane's run.
import type { MiracastDevice } from '../../device';
import type { NeedDescription, NeedStatus } from '../types';

export const kmdNeeds = [
  { id: 'context', what: 'a Miracast context (DxgkDdiMiracastCreateContext succeeds and the host accepts it)' },
  { id: 'testHooks', what: 'the test-hook interface (send a message with the miniport\'s own buffers, read its state, set its target count)' },
  { id: 'chunkPath', what: 'the host\'s chunk path (DxgkCbNotifyInterrupt/NotifyDpc into chunk lists read as GetNextChunkData reads them)' },
  { id: 'poolTracker', what: 'the host\'s pool tracker (per-tag counts, double and unknown frees, a quarantine of freed blocks)' },
  { id: 'childRelations', what: 'the adapter start\'s DxgkDdiQueryChildRelations, recorded by the host' },
  { id: 'adapterStart', what: 'a record of the adapter start (DxgkInitialize, StartDevice, QueryInterface) in the trace' },
  { id: 'capsGuard', what: 'guard bytes around the caps buffer QueryCaps fills' },
  { id: 'watchdog', what: 'the host\'s DDI watchdog (a call that blocks longer than its bound is reported)' },
  { id: 'irqlChecks', what: 'IRQL checking of the miniport\'s calls (Driver Verifier)' },
] as const satisfies readonly NeedDescription[];

export type KmdNeed = (typeof kmdNeeds)[number]['id'];

const fromStart = 'the host records it at the adapter start (DxgkDdiQueryInterface, DxgkDdiQueryChildRelations: IOCTL_MH_GET_ADAPTER, or the service key when the start failed)';
const hostDetects = (what: string) => ({ available: true, detail: `the host detects it: ${what}` });

function irqlChecks(lane: 'wine' | 'windows'): { available: boolean; detail: string } {
  return {
    available: false,
    detail: lane === 'wine' ? 'Wine has no IRQL (KeGetCurrentIrql always reads 0)'
      : 'run the harness under Driver Verifier (IRQL checking) and read its log; the run itself cannot see IRQL',
  };
}

/**
 * Finds out what this host and its miniport offer. A context is probed by creating one;
 * `testHooks` on the driver: the hooks' READ_STATE command must answer with a state of the size
 * the contract declares.
 */
export async function probeNeeds(device: MiracastDevice, lane: 'wine' | 'windows'): Promise<NeedStatus[]> {
  const { context, hooks } = await probeContextAndHooks(device);
  const offered: Record<KmdNeed, { available: boolean; detail: string }> = {
    context,
    testHooks: hooks,
    chunkPath: 'readChunks' in device.constants.ops
      ? { available: true, detail: 'the driver has the chunk read operation' }
      : { available: false, detail: 'this driver has no chunk read operation' },
    poolTracker: hostDetects('every pool call of the miniport reaches the tracker (a force-included header)'),
    childRelations: { available: true, detail: fromStart },
    adapterStart: { available: true, detail: fromStart },
    capsGuard: hostDetects(`${device.constants.violationDescriptions.CAPS_OVERRUN}`),
    watchdog: hostDetects(`a DDI longer than ${device.constants.ddiBoundMs} ms is a DDI_OVERRUN`),
    irqlChecks: irqlChecks(lane),
  };
  return kmdNeeds.map((need) => ({ ...need, ...offered[need.id] }));
}

/** What an adapter that did not start offers: its start record, nothing else. */
export function needsWithoutAdapter(lane: 'wine' | 'windows', why: string): NeedStatus[] {
  const offered = (id: KmdNeed) => id === 'adapterStart' || id === 'childRelations'
    ? { available: true, detail: 'the adapter start\'s record under the service key' }
    : id === 'irqlChecks' ? irqlChecks(lane) : { available: false, detail: why };
  return kmdNeeds.map((need) => ({ ...need, ...offered(need.id) }));
}

type Probe = { available: boolean; detail: string };

async function probeContextAndHooks(device: MiracastDevice): Promise<{ context: Probe; hooks: Probe }> {
  let context;
  try {
    context = await device.createContext();
  } catch (error) {
    const detail = `CreateContext failed (${(error as Error).message})`;
    return { context: { available: false, detail }, hooks: { available: false, detail: `could not create a context to probe them: ${detail}` } };
  }
  const created: Probe = { available: true, detail: `CreateContext succeeded (TargetId ${context.targetId})` };
  return { context: created, hooks: await probeTestHooks(context) };
}

async function probeTestHooks(context: Awaited<ReturnType<MiracastDevice['createContext']>>): Promise<Probe> {
  try {
    const state = await context.miniport.readState();
    return { available: true, detail: `the miniport answers the hooks' READ_STATE (${Object.keys(state).length} counters)` };
  } catch (error) {
    return { available: false, detail: `the miniport does not answer the hooks' READ_STATE (${(error as Error).message})` };
  } finally {
    await context.destroy();
  }
}
