// What kernel-miniport rules may need beyond the four Miracast DDIs, and how a run finds out
// whether the hosted miniport and this host offer it. Parts of the host that the "bring your own
// miniport" seam (issue #9) adds are reported unavailable until the driver and library have them:
// when one lands, its probe below turns it on and the rules that need it run.
import type { MiracastDevice } from '../../device';
import type { NeedDescription, NeedStatus } from '../types';

export const kmdNeeds = [
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

const seamPending = 'not in this build of the harness: it comes with the hosted-miniport seam (issue #9)';

/**
 * Finds out what this host and its miniport offer. `testHooks` is probed on the driver: the
 * hooks' READ_STATE command must answer with a state of the size the contract declares.
 */
export async function probeNeeds(device: MiracastDevice, lane: 'wine' | 'windows'): Promise<NeedStatus[]> {
  const hooks = await probeTestHooks(device);
  const offered: Record<KmdNeed, { available: boolean; detail: string }> = {
    testHooks: hooks,
    chunkPath: 'readChunks' in device.constants.ops
      ? { available: true, detail: 'the driver has the chunk read operation' }
      : { available: false, detail: seamPending },
    poolTracker: { available: false, detail: seamPending },
    childRelations: { available: false, detail: seamPending },
    adapterStart: { available: false, detail: seamPending },
    capsGuard: { available: false, detail: seamPending },
    watchdog: { available: false, detail: seamPending },
    irqlChecks: {
      available: false,
      detail: lane === 'wine' ? 'Wine has no IRQL (KeGetCurrentIrql always reads 0)'
        : 'run the harness under Driver Verifier (IRQL checking) and read its log; the run itself cannot see IRQL',
    },
  };
  return kmdNeeds.map((need) => ({ ...need, ...offered[need.id] }));
}

async function probeTestHooks(device: MiracastDevice): Promise<{ available: boolean; detail: string }> {
  let context;
  try {
    context = await device.createContext();
  } catch (error) {
    return { available: false, detail: `could not create a context to probe them (${(error as Error).message})` };
  }
  try {
    const state = await context.miniport.readState();
    return { available: true, detail: `the miniport answers the hooks' READ_STATE (${Object.keys(state).length} counters)` };
  } catch (error) {
    return { available: false, detail: `the miniport does not answer the hooks' READ_STATE (${(error as Error).message})` };
  } finally {
    await context.destroy();
  }
}
