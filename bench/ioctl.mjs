// The IOCTL codes the koffi peer needs, computed the way miracast_hil_ioctl.h defines them:
//   MH_IOCTL(Function, Access) = CTL_CODE(MH_DEVICE_TYPE = 0xA15C, 0x800 + Function, METHOD_BUFFERED = 0, Access)
//   CTL_CODE(DeviceType, Function, Method, Access) = (DeviceType << 16) | (Access << 14) | (Function << 2) | Method
// The addon does not export its codes (contract.ops holds operation indices, not IOCTL codes), so
// scripts/bench.sh checks these numbers against the header at compile time: `node bench/ioctl.mjs
// --c-asserts` prints C static assertions that the MinGW compiler evaluates with the real macros.
const METHOD_BUFFERED = 0;
const FILE_READ_ACCESS = 1;
const FILE_WRITE_ACCESS = 2;
export const MH_DEVICE_TYPE = 0xa15c;

export function ctlCode(deviceType, fn, method, access) {
  return ((deviceType << 16) | (access << 14) | (fn << 2) | method) >>> 0;
}

const mhIoctl = (fn, access) => ctlCode(MH_DEVICE_TYPE, 0x800 + fn, METHOD_BUFFERED, access);
const RW = FILE_READ_ACCESS | FILE_WRITE_ACCESS;

export const IOCTL = Object.freeze({
  ECHO: mhIoctl(0x01, RW),                             // 0xA15CE004
  CREATE_CONTEXT: mhIoctl(0x03, RW),
  DESTROY_CONTEXT: mhIoctl(0x04, FILE_WRITE_ACCESS),
  SEND_MESSAGE: mhIoctl(0x06, RW),
  CONFIGURE_RESPONDER: mhIoctl(0x0c, FILE_WRITE_ACCESS),
});

export const hex = (code) => `0x${code.toString(16).toUpperCase().padStart(8, '0')}`;

if (process.argv[2] === '--c-asserts') {
  for (const [name, code] of Object.entries(IOCTL)) {
    console.log(`_Static_assert(IOCTL_MH_${name} == ${hex(code)}u, "bench/ioctl.mjs: IOCTL_MH_${name} differs from the header");`);
  }
}
