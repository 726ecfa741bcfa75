// Shared by the UMD host's test files: where the sample UMD and its broken variants are built,
// and the host's idle check beside the driver's.
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openDevice, openUmdHost, type DriverStats, type MiracastDevice, type OpenUmdHostOptions, type UmdHost } from '../dist/index.js';
import { expectIdle, resetDriver, root, waitFor } from './helpers';

/** The sample UMD and its broken variants (driver/umd/CMakeLists.txt builds mh_umd_<name>.dll). */
export type UmdVariant =
  | 'sample' | 'slow_destroy' | 'thread_left' | 'closes_rtsp' | 'concurrent_chunks' | 'datarate_wrong_thread'
  | 'monitor_in_start' | 'ignores_reset' | 'session_info_garbage' | 'overlong_reply' | 'callback_after_destroy'
  | 'pins_itself' | 'short_interface' | 'unknown_chunk_sent';

export const umdDll = (variant: UmdVariant): string => path.join(root, 'build', 'umd', `mh_umd_${variant}.dll`);

/**
 * After a host closed: the driver is idle and the host's handle is really gone (the idle check
 * alone would accept a leaked handle with its own file context), leaving only `watch`'s.
 */
export async function expectHostGone(watch: MiracastDevice): Promise<DriverStats> {
  await resetDriver(watch);
  await expectIdle(watch);
  return waitFor(() => watch.stats(), (s) => s.handlesOpen === 1 && s.agentAttached === 0, 10_000, 'the host\'s handle to close');
}

/**
 * A test file's scaffolding: `watch`, a device of its own for stats and the kernel trace; `open`,
 * openUmdHost with the host closed after the test; after each test, expectHostGone.
 */
export function useUmdHosts(): { readonly watch: MiracastDevice; open(options: OpenUmdHostOptions): Promise<UmdHost> } {
  const opened: UmdHost[] = [];
  let watch: MiracastDevice | undefined;
  beforeAll(async () => {
    watch = await openDevice();
  });
  afterAll(async () => {
    await watch?.close();
  });
  afterEach(async () => {
    try {
      await Promise.all(opened.map((host) => host.close()));
    } finally {
      opened.length = 0;
      await expectHostGone(watch!);
    }
  });
  return {
    get watch() {
      return watch!;
    },
    async open(options) {
      const host = await openUmdHost(options);
      opened.push(host);
      return host;
    },
  };
}
