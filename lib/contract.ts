// The contract's numbers (limits, chosen statuses, fault and trace kinds), read from the addon,
// which takes them from miracast_hil_ioctl.h: one source for driver, addon and library.
import { native, type NativeConstants } from './binding';

/** The contract constants. Loads the addon on first access. */
export const contract: NativeConstants = new Proxy({} as NativeConstants, {
  get(_target, key) {
    return (native().constants as unknown as Record<string | symbol, unknown>)[key];
  },
  has(_target, key) {
    return key in native().constants;
  },
  ownKeys() {
    return Reflect.ownKeys(native().constants);
  },
  getOwnPropertyDescriptor(_target, key) {
    const value = (native().constants as unknown as Record<string | symbol, unknown>)[key];
    return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
  },
});

/** @internal for tests: this environment's completion engine */
export function engineState(): { started: boolean; inFlight: number; refs: number; settleBatch: number; heldBytes: number } {
  return native().engineState();
}
