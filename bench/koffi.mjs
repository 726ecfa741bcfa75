// The koffi peer: kernel32!DeviceIoControl called through koffi from the JavaScript thread, on a
// synchronous (non-overlapped) handle, exactly as the raw C client's bench-echo does.
//
//   node koffi.mjs echo CALLS [BYTES]        IOCTL_MH_ECHO round trips, one after the other
//   node koffi.mjs send COMPLETIONS [BYTES]  SEND_MESSAGE answered by the kernel responder, one in
//                                            flight (a synchronous handle waits for the pended IRP)
//
// Prints one JSON line. Runs inside the Windows Node of the Wine lane (or on Windows).
import koffi from 'koffi';
import { performance } from 'node:perf_hooks';
import { IOCTL } from './ioctl.mjs';

const GENERIC_READ_WRITE = 0xc0000000;
const OPEN_EXISTING = 3;
const DEVICE_PATH = '\\\\.\\MiracastHil';

const kernel32 = koffi.load('kernel32.dll');
const HANDLE = koffi.pointer('HANDLE', koffi.opaque());
const CreateFileW = kernel32.func(
  'HANDLE __stdcall CreateFileW(str16 name, uint32_t access, uint32_t share, void *security, uint32_t disposition, uint32_t flags, HANDLE template)',
);
const DeviceIoControl = kernel32.func(
  'int __stdcall DeviceIoControl(HANDLE h, uint32_t code, void *input, uint32_t inputSize, _Out_ void *output, uint32_t outputSize, _Out_ uint32_t *bytesReturned, void *overlapped)',
);
const CloseHandle = kernel32.func('int __stdcall CloseHandle(HANDLE h)');
const GetLastError = kernel32.func('uint32_t __stdcall GetLastError()');

const INVALID_HANDLE_VALUE = 0xffffffffffffffffn;

function open() {
  const h = CreateFileW(DEVICE_PATH, GENERIC_READ_WRITE, 0, null, OPEN_EXISTING, 0, null);
  if (h === null || h === 0n || BigInt.asUintN(64, BigInt(h)) === INVALID_HANDLE_VALUE) {
    throw new Error(`CreateFileW(${DEVICE_PATH}) failed: ${GetLastError()}`);
  }
  return h;
}

const got = new Uint32Array(1);

/** One IOCTL; returns the bytes returned, throws with the Win32 error on failure. */
function ioctl(h, code, input, output, what) {
  if (!DeviceIoControl(h, code, input, input ? input.length : 0, output, output ? output.length : 0, got, null)) {
    throw new Error(`${what}: DeviceIoControl failed (${GetLastError()})`);
  }
  return got[0];
}

function echo(calls, bytes) {
  const h = open();
  const input = Buffer.alloc(bytes, 0x5a);
  const output = Buffer.alloc(bytes);
  try {
    for (let i = 0; i < Math.floor(calls / 10) + 1; i++) ioctl(h, IOCTL.ECHO, input, output, 'echo (warm-up)');
    output.fill(0);
    ioctl(h, IOCTL.ECHO, input, output, 'echo');
    if (!output.equals(input)) throw new Error('echo returned other bytes');
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      // Same rule as the C client: the call must succeed and return every byte.
      if (!DeviceIoControl(h, IOCTL.ECHO, input, bytes, output, bytes, got, null) || got[0] !== bytes) {
        throw new Error(`echo failed (${GetLastError()}, ${got[0]} bytes)`);
      }
    }
    const elapsed = performance.now() - start;
    return { peer: 'koffi', mode: 'echo', calls, bytes, usPerCall: (elapsed * 1000) / calls };
  } finally {
    CloseHandle(h);
  }
}

function send(completions, bytes) {
  const h = open();
  let contextId;
  const responder = (enabled) => {
    const config = Buffer.alloc(16);               // MH_RESPONDER_CONFIG: Enabled, Status, DelayMs, Reserved
    config.writeUInt32LE(enabled ? 1 : 0, 0);
    ioctl(h, IOCTL.CONFIGURE_RESPONDER, config, null, 'configureResponder');
  };
  try {
    const info = Buffer.alloc(16);                   // MH_CONTEXT_INFO
    ioctl(h, IOCTL.CREATE_CONTEXT, null, info, 'createContext (another context live?)');
    contextId = info.readBigUInt64LE(0);
    responder(true);
    // MH_SEND_MESSAGE_IN + input; out: MH_SEND_MESSAGE_OUT + output (the C client's sizes).
    const input = Buffer.alloc(16 + bytes, 0x5a);
    input.writeBigUInt64LE(contextId, 0);
    input.writeUInt32LE(bytes, 8);
    input.writeUInt32LE(bytes, 12);
    const output = Buffer.alloc(16 + bytes);
    const one = () => {
      if (!DeviceIoControl(h, IOCTL.SEND_MESSAGE, input, input.length, output, output.length, got, null)) {
        throw new Error(`sendMessage failed (${GetLastError()})`);
      }
      if (output.readInt32LE(0) !== 0) throw new Error(`sendMessage answered 0x${(output.readInt32LE(0) >>> 0).toString(16)}`);
    };
    for (let i = 0; i < Math.min(500, Math.floor(completions / 10) + 1); i++) one();   // warm-up
    const start = performance.now();
    for (let i = 0; i < completions; i++) one();
    const elapsed = performance.now() - start;
    return { peer: 'koffi', mode: 'send', inFlight: 1, completions, failed: 0, bytes, perSecond: completions / (elapsed / 1000) };
  } finally {
    try {
      responder(false);
    } catch {
      // reported by the failure that got us here
    }
    if (contextId !== undefined) {
      const ref = Buffer.alloc(8);
      ref.writeBigUInt64LE(contextId, 0);
      try {
        ioctl(h, IOCTL.DESTROY_CONTEXT, ref, null, 'destroyContext');
      } catch {
        // closing the handle destroys it too
      }
    }
    CloseHandle(h);
  }
}

const [mode, a, b] = process.argv.slice(2);
const count = Number(a);
if (!Number.isInteger(count) || count <= 0) {
  console.error('usage: koffi.mjs echo CALLS [BYTES] | send COMPLETIONS [BYTES]');
  process.exit(2);
}
if (mode === 'echo') {
  console.log(JSON.stringify(echo(count, b === undefined ? 5 : Number(b))));
} else if (mode === 'send') {
  console.log(JSON.stringify(send(count, b === undefined ? 16 : Number(b))));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
