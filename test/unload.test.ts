// Unloading the driver (sc stop) with requests pending: they complete, the driver unloads and
// records that it freed everything, and it starts again. Wine lane: there the unload happens with
// handles still open; on Windows the I/O manager defers it until they close (the driver's unload
// path is the same, but these tests, which keep handles open, would wait).
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openDevice, NtStatus, NtStatusError, contract } from '../dist/index.js';
import { clientExe, expectIdle, lane, run, waitFor } from './helpers';
import { readServiceValue } from './lane-driver';

function sc(...args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('sc', args, (_e, stdout) => resolve(String(stdout))));
}

describe('unload', () => {
  it.skipIf(lane !== 'wine')('sc stop with requests pending completes them and frees everything; the driver starts again', async () => {
    const device = await openDevice();
    const agentDevice = await openDevice();
    await expectIdle(device);
    const stats = await device.stats();
    expect(stats.allocationsOutstanding - stats.fileContexts).toBe(0);

    const context = await device.createContext();
    await agentDevice.attachAgent(() => new Promise(() => {}));
    const send = context.sendMessage(Buffer.from('unload'), { outputSize: 4 }).catch((e: unknown) => e);
    await waitFor(() => device.stats(), (s) => s.messagesDelivered === 1, 5000, 'delivery');

    await sc('stop', contract.serviceName);
    const outcome = await send;
    // Cancelled with its handle, or answered AGENT_GONE first: either way it completed.
    if (outcome instanceof NtStatusError) expect(outcome.status).toBe(NtStatus.STATUS_CANCELLED);
    else expect(outcome).toMatchObject({ status: contract.statuses.AGENT_GONE });
    await waitFor(async () => sc('query', contract.serviceName), (s) => /STOPPED/.test(s), 10_000, 'STOPPED');
    expect(await readServiceValue('UnloadAllocationsOutstanding')).toBe(0);
    expect(await readServiceValue('UnloadIrpsPending')).toBe(0);
    // The adapter went down in dxgkrnl's order, and the miniport's pool held nothing more.
    expect(await readServiceValue('AdapterStopOrder')).toBe('StopDevice,RemoveDevice,Unload');
    expect(await readServiceValue('UnloadPoolFindings')).toBe(0);
    await expect(device.stats()).rejects.toBeInstanceOf(NtStatusError);   // the device is gone
    await device.close();
    await agentDevice.close();

    await sc('start', contract.serviceName);
    await waitFor(async () => sc('query', contract.serviceName), (s) => /RUNNING/.test(s), 10_000, 'RUNNING');
    const again = await openDevice();
    expect((await again.queryCaps()).hdcpSupport).toBe(true);
    await again.close();
  });

  it.skipIf(lane !== 'wine')('the raw C client\'s unload check passes', async () => {
    const { stdout, code } = await run(clientExe, ['check', '--unload', 'unload']);
    expect(stdout).toMatch(/^ok - unload/m);
    expect(code).toBe(0);
  });
});
