// A Miracast context: what DxgkDdiMiracastCreateContext made, owned by the handle that created it,
// reached through that handle's request channel.
import type { RequestChannel } from './channel';
import { checkBoolean, checkBytes, checkInteger, checkOptions, checkWaitOptions } from './validate';
import { MiniportCommands } from './miniport';
import type { SendMessageResult } from './types';
import { hooksFailure } from './hosted';
import { readChunks, reportChunks, type ChunkRead, type ChunkReport, type ReadChunksOptions, type ReportChunksOptions } from './chunks';

export interface SendMessageOptions {
  /** The miniport's output buffer size (default 0). The answer is cut to it. */
  outputSize?: number;
  /** Cancels the request in the kernel; the promise rejects with the signal's reason (AbortError). */
  signal?: AbortSignal;
  /** Cancels the request in the kernel after this many milliseconds; rejects with TimeoutError. */
  timeoutMs?: number;
}

export interface IoControlOptions {
  /** OutputBufferSize given to DxgkDdiMiracastIoControl (default 4096). */
  outputSize?: number;
  /** The UMD's HardwareAccess: third-level synchronization instead of the Miracast class. */
  hardwareAccess?: boolean;
}

export class MiracastContext implements AsyncDisposable {
  /** The host's id for this context. */
  readonly id: number;
  /** The TargetId DxgkDdiMiracastCreateContext returned. */
  readonly targetId: number;
  readonly #channel: RequestChannel;
  /** The test miniport's own IoControl commands, on this context. */
  readonly miniport: MiniportCommands;
  #destroyed = false;
  #destroying: Promise<void> | undefined;

  /** @internal use device.createContext() */
  constructor(channel: RequestChannel, id: number, targetId: number) {
    this.#channel = channel;
    this.id = id;
    this.targetId = targetId;
    this.miniport = new MiniportCommands(this, channel.constants);
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * Has the miniport send a message through DxgkCbMiracastSendMessage. Resolves when its
   * DxgkCbMiracastSendMessageCallback has run, with the IO_STATUS_BLOCK it received and the
   * bytes written to its output buffer. An error status in that block is data, not a rejection.
   * Rejects with NtStatusError when the message could not be sent (STATUS_DEVICE_REMOVED: no
   * agent and no responder), or AbortError / TimeoutError when cancelled.
   */
  sendMessage(input: Uint8Array, options?: SendMessageOptions): Promise<SendMessageResult> {
    // The per-message path: no async frame, and no object but the arguments when nothing is
    // watched. Whatever an async function would reject with (a bad argument included), this
    // returns rejected, never throws.
    let issued: Promise<SendMessageResult>;
    try {
      const limits = this.#channel.constants.limits;
      const bytes = checkBytes(input, 'input', limits.maxMessageBytes);
      const opts = checkOptions(options, 'options');
      const outputSize = checkInteger(opts.outputSize, 'options.outputSize', 0, limits.maxMessageBytes, 0);
      const wait = opts.signal === undefined && opts.timeoutMs === undefined
        ? undefined : checkWaitOptions(opts.signal, opts.timeoutMs);
      issued = this.#channel.request<SendMessageResult>('sendMessage', [this.id, bytes, outputSize], wait);
    } catch (error) {
      return Promise.reject(error);
    }
    return issued.catch(this.#sendFailed);
  }

  /** A failed send's error, named by the hooks' absence when that was why (one closure per context). */
  readonly #sendFailed = async (error: unknown): Promise<never> => {
    throw await hooksFailure(this.#channel, 'sendMessage', error);
  };

  /** GetNextChunkData on this session: the chunks the miniport reported (see ChunkRead). */
  async readChunks(options?: ReadChunksOptions): Promise<ChunkRead> {
    return await readChunks(this.#channel, this.id, options);
  }

  /** The miniport's encoder reports chunks on this session (test hooks). */
  async reportChunks(options: ReportChunksOptions): Promise<ChunkReport> {
    return await reportChunks(this.#channel, this.id, options);
  }

  /** DxgkDdiMiracastIoControl (the UMD's MiracastIoControl). Resolves to the bytes it returned. */
  async ioControl(input: Uint8Array, options?: IoControlOptions): Promise<Buffer> {
    const limits = this.#channel.constants.limits;
    const bytes = checkBytes(input, 'input', limits.maxIoControlBytes);
    const opts = checkOptions(options, 'options');
    const outputSize = checkInteger(opts.outputSize, 'options.outputSize', 0, limits.maxIoControlBytes, 4096);
    const hardwareAccess = checkBoolean(opts.hardwareAccess, 'options.hardwareAccess', false);
    return await this.#channel.request<Buffer>('ioControl', [this.id, bytes, outputSize, hardwareAccess]);
  }

  /**
   * DxgkDdiMiracastDestroyContext. Every message of this context still outstanding completes
   * through its callback first, with an error status. Safe to call more than once.
   */
  destroy(): Promise<void> {
    this.#destroying ??= (async () => {
      try {
        await this.#channel.request('destroyContext', [this.id]);
      } finally {
        this.markDestroyed();
      }
    })();
    return this.#destroying;
  }

  /** @internal the device closed: the driver destroys the context itself */
  markDestroyed(): void {
    this.#destroyed = true;
    this.#channel.forgetContext(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#destroyed || this.#channel.closed) return;
    await this.destroy();
  }
}
