// The test miniport's own DxgkDdiMiracastIoControl commands (a vendor's payload format is
// private; this is the test miniport's: MP_IOCTL_HEADER, then data).
import type { NativeConstants } from './binding';
import { checkBytes, checkInteger } from './validate';
import { miniportStateFields, type MiniportState } from './types';

export interface SendMessagesResult {
  /** DxgkCbMiracastSendMessage returned STATUS_PENDING. */
  sent: number;
  failed: number;
  /** The first failure's status (0 if none). */
  firstError: number;
}

/** What the commands need of their context: its IoControl (context.ts implements it). */
export interface IoControlTarget {
  ioControl(input: Uint8Array, options?: { outputSize?: number; hardwareAccess?: boolean }): Promise<Buffer>;
}

export class MiniportCommands {
  readonly #context: IoControlTarget;
  readonly #constants: NativeConstants;

  /** @internal the context makes its own */
  constructor(context: IoControlTarget, constants: NativeConstants) {
    this.#context = context;
    this.#constants = constants;
  }

  #command(command: string, arg0 = 0, arg1 = 0, arg2 = 0, data?: Uint8Array): Uint8Array {
    const constants = this.#constants.miniport;
    const header = Buffer.alloc(constants.headerSize + (data?.byteLength ?? 0));
    header.writeUInt32LE(constants.commands[command], 0);
    header.writeUInt32LE(arg0 >>> 0, 4);
    header.writeUInt32LE(arg1 >>> 0, 8);
    header.writeUInt32LE(arg2 >>> 0, 12);
    if (data) header.set(data, constants.headerSize);
    return header;
  }

  /** MP_CMD_ECHO: the miniport returns the data. */
  async echo(data: Uint8Array, options?: { hardwareAccess?: boolean }): Promise<Buffer> {
    const bytes = checkBytes(data, 'data', this.#constants.limits.maxIoControlBytes - this.#constants.miniport.headerSize);
    return this.#context.ioControl(this.#command('ECHO', 0, 0, 0, bytes), {
      outputSize: bytes.byteLength, hardwareAccess: options?.hardwareAccess ?? false,
    });
  }

  /** MP_CMD_SEND_MESSAGES: the miniport sends `count` messages of its own (its callback only counts them). */
  async sendMessages(count: number, options?: { inputSize?: number; outputSize?: number }): Promise<SendMessagesResult> {
    const n = checkInteger(count, 'count', 0, 4096);
    const inputSize = checkInteger(options?.inputSize, 'options.inputSize', 0, 256, 16);
    const outputSize = checkInteger(options?.outputSize, 'options.outputSize', 0, this.#constants.limits.maxMessageBytes, 16);
    const out = await this.#context.ioControl(this.#command('SEND_MESSAGES', n, inputSize, outputSize), { outputSize: 16 });
    return { sent: out.readUInt32LE(0), failed: out.readUInt32LE(4), firstError: out.readUInt32LE(8) };
  }

  /** MP_CMD_READ_STATE: the miniport's own counters. */
  async readState(): Promise<MiniportState> {
    const constants = this.#constants.miniport;
    const out = await this.#context.ioControl(this.#command('READ_STATE'), { outputSize: constants.stateSize });
    const state = {} as Record<string, number>;
    constants.stateFields.forEach((name, i) => {
      state[name] = Number(out.readBigUInt64LE(i * 8));
    });
    for (const name of miniportStateFields) {
      if (!(name in state)) throw new Error(`the driver's MP_STATE has no ${name}`);
    }
    return state as unknown as MiniportState;
  }

  /** MP_CMD_MONITOR_ARRIVE: the miniport indicates monitor arrival (DxgkCbIndicateChildStatus, Connected = TRUE). */
  async monitorArrive(): Promise<void> {
    await this.#context.ioControl(this.#command('MONITOR_ARRIVE'), { outputSize: 0 });
  }

  /** MP_CMD_MONITOR_DEPART: monitor departure (Connected = FALSE). */
  async monitorDepart(): Promise<void> {
    await this.#context.ioControl(this.#command('MONITOR_DEPART'), { outputSize: 0 });
  }

  /**
   * MP_CMD_REPORT_CHUNK: the miniport calls DxgkCbReportChunkInfo. A nonzero privateDataSize passes
   * non-NULL private data, which the DDI forbids; resolves to the status the callback returned.
   */
  async reportChunk(options?: { chunkType?: number; privateDataSize?: number; frameNumber?: number }): Promise<number> {
    const chunkType = checkInteger(options?.chunkType, 'options.chunkType', 0, 0xffffffff, 2);
    const privateDataSize = checkInteger(options?.privateDataSize, 'options.privateDataSize', 0, 256, 0);
    const frame = checkInteger(options?.frameNumber, 'options.frameNumber', 0, 0xffffffff, 0);
    const out = await this.#context.ioControl(this.#command('REPORT_CHUNK', chunkType, privateDataSize, frame), { outputSize: 4 });
    return out.readUInt32LE(0);
  }

  /** MP_CMD_HOLD: stays inside DxgkDdiMiracastIoControl for `ms` milliseconds. */
  async hold(ms: number, options?: { hardwareAccess?: boolean }): Promise<void> {
    const limit = this.#constants.limits.maxHoldMs;
    await this.#context.ioControl(this.#command('HOLD', checkInteger(ms, 'ms', 0, limit)), {
      outputSize: 0, hardwareAccess: options?.hardwareAccess ?? false,
    });
  }
}

