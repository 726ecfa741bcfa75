// Shared by the UMD host's test files: where the sample UMD and its broken variants are built,
// and the host's idle check beside the driver's.
import * as path from 'node:path';
import { root } from './helpers';

/** The sample UMD and its broken variants (driver/umd/CMakeLists.txt builds mh_umd_<name>.dll). */
export type UmdVariant =
  | 'sample' | 'slow_destroy' | 'thread_left' | 'closes_rtsp' | 'concurrent_chunks' | 'datarate_wrong_thread'
  | 'monitor_in_start' | 'ignores_reset';

export const umdDll = (variant: UmdVariant): string => path.join(root, 'build', 'umd', `mh_umd_${variant}.dll`);
