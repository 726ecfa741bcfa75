// Nothing on the dispatch path waits (issue 8, defect 4). Closing a handle that owns a context runs
// DestroyContext, which waits for the Miracast-class lock; under Wine every IRP of the device is
// dispatched on one thread, so if the close did that work itself, every other handle's requests
// would stall for as long as another DDI holds the lock. The host destroys the context on a worker
// instead, keeping the handle's state until it is done. Valid in both lanes (on Windows the close
// reaches the driver as IRP_MJ_CLEANUP on the closing thread, which must not wait either).
import { describe, expect, it } from 'vitest';
import { openDevice, type MiracastDevice } from '../dist/index.js';
import { useDevice, waitFor } from './helpers';

let device: MiracastDevice;
useDevice((d) => (device = d));

const holdMs = 3000;

describe('the dispatch path', () => {
  it('closing a handle that owns a context does not stall other handles while the Miracast-class lock is held', async () => {
    await device.configureMiniport({ targetCount: 2 });
    const holder = await openDevice();
    const owner = await openDevice();
    let hold: Promise<unknown> | undefined;
    try {
      const held = await holder.createContext();
      await owner.createContext();
      hold = held.miniport.hold(holdMs);
      await waitFor(() => device.stats(), (s) => s.ddiInside === 1, 5000, 'the hold inside the miniport');

      const closeStart = performance.now();
      await owner.close();            // its context's DestroyContext needs the lock the hold keeps
      const closeMs = performance.now() - closeStart;
      const echoStart = performance.now();
      await device.echo(Buffer.from('not stalled'));
      const echoMs = performance.now() - echoStart;

      // Well under the hold: neither the close nor a third handle's request waited for the lock.
      expect(closeMs).toBeLessThan(holdMs / 3);
      expect(echoMs).toBeLessThan(holdMs / 3);
      // The handle's release is still waiting for the lock on a host worker, its context alive.
      const during = await device.stats();
      expect(during).toMatchObject({ ownerReleasesPending: 1, hostContexts: 2, ddiInside: 1 });
      await hold;
      await waitFor(() => device.stats(), (s) => s.ownerReleasesPending === 0 && s.hostContexts === 1, 10_000,
        'the closed handle\'s context destroyed');
    } finally {
      await hold?.catch(() => undefined);
      await holder.close();
      await owner.close();
    }
  });
});
