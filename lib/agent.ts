// The agent: plays the Miracast user-mode driver. The driver hands it the miniport's messages
// through pended receive requests (several messages per receive when several are queued); the
// handler answers each one (HandleKernelModeMessage: a status and output bytes); the answers go
// back in batches, one IOCTL for every answer ready in the same turn.
import { EventEmitter } from 'node:events';
import type { MiracastDevice, IssuedRequest } from './device';
import type { MiracastContext } from './context';
import { NtStatusError } from './errors';
import { NtStatus } from './ntstatus';
import { checkBytes, checkStatus } from './validate';

export interface AgentMessage {
  /** The host's id for this message. */
  readonly messageId: number;
  /** The context it was sent on. */
  readonly contextId: number;
  /** The miniport's input buffer. */
  readonly input: Buffer;
  /** The miniport's output buffer size: the most bytes the answer may carry. */
  readonly outputSize: number;
}

export interface AgentReply {
  /** HandleKernelModeMessage's return value (default STATUS_SUCCESS). */
  status?: number;
  /** The bytes written to the miniport's output buffer (default none). */
  output?: Uint8Array;
}

export type AgentHandler = (
  message: AgentMessage,
) => AgentReply | undefined | void | Promise<AgentReply | undefined | void>;

export interface AgentOptions {
  /** Sessions start only on startSession() (default false: every session is started while attached). */
  manualSessions?: boolean;
  /** Whether the attached agent keeps the process alive, as a listening server does (default true). */
  ref?: boolean;
  /** Receive requests kept in flight (default 2). */
  receiveDepth?: number;
  /** Called when the handler throws or returns something unusable; also emitted as 'handlerError'. */
  onError?: (error: unknown, message: AgentMessage) => void;
}

interface PendingReply {
  messageId: number;
  status: number;
  output?: Uint8Array;
}

/**
 * Events: 'handlerError' (error, message) when the handler threw or rejected (the message was
 * answered with an error status); 'detached' (error?) when the agent stops receiving.
 */
export class MiracastAgent extends EventEmitter implements AsyncDisposable {
  readonly device: MiracastDevice;
  readonly #handler: AgentHandler;
  readonly #onError: AgentOptions['onError'];
  readonly #depth: number;
  #ref: boolean;
  #attached = true;
  #receives = new Map<number, Promise<void>>();
  #pending: PendingReply[] = [];
  #flushScheduled = false;
  #replying = new Set<Promise<void>>();
  #handled = 0;
  #handlerErrors = 0;
  #discardedReplies = 0;

  /** @internal use device.attachAgent() */
  constructor(device: MiracastDevice, handler: AgentHandler, options: AgentOptions) {
    super();
    this.device = device;
    this.#handler = handler;
    this.#onError = options.onError;
    this.#depth = options.receiveDepth ?? 2;
    this.#ref = options.ref ?? true;
  }

  get attached(): boolean {
    return this.#attached;
  }

  /** Messages answered so far. */
  get handled(): number {
    return this.#handled;
  }

  /** Handler failures so far (each was answered with an error status). */
  get handlerErrors(): number {
    return this.#handlerErrors;
  }

  /** Answers the driver no longer wanted (the message was dropped meanwhile: stop, destroy). */
  get discardedReplies(): number {
    return this.#discardedReplies;
  }

  /** The agent no longer keeps the process alive. */
  unref(): this {
    this.#ref = false;
    for (const id of this.#receives.keys()) this.device.setRef(id, false);
    return this;
  }

  ref(): this {
    this.#ref = true;
    for (const id of this.#receives.keys()) this.device.setRef(id, true);
    return this;
  }

  /** StartMiracastSession for a context: messages held for it are delivered. */
  async startSession(context: MiracastContext | number): Promise<void> {
    await this.#session(context, this.device.constants.sessionActions.START, 'startSession');
  }

  /** StopMiracastSession for a context: messages not yet delivered, and any sent later, are dropped. */
  async stopSession(context: MiracastContext | number): Promise<void> {
    await this.#session(context, this.device.constants.sessionActions.STOP, 'stopSession');
  }

  async #session(context: MiracastContext | number, action: number, operation: string): Promise<void> {
    const id = typeof context === 'number' ? context : context?.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TypeError('context must be a MiracastContext or a context id');
    }
    const issued = this.device.issue<void>('session', [id, action]);
    await this.device.settle(operation, issued);
  }

  /**
   * Stops being the agent. Messages received but not answered complete with an error status
   * (STATUS_DEVICE_REMOVED) in the driver; later sends fail at once, as with no agent.
   */
  async detach(): Promise<void> {
    if (!this.#attached) return;
    this.#attached = false;
    try {
      await this.device.request('detachAgent', []);
    } finally {
      await Promise.allSettled([...this.#receives.values(), ...this.#replying]);
      this.emit('detached');
    }
  }

  /** @internal the device closed: the driver detaches the agent with the handle */
  markDetached(): void {
    if (this.#attached) {
      this.#attached = false;
      this.emit('detached');
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.device.closed) return;
    await this.detach();
  }

  /** @internal keeps `receiveDepth` receives in flight */
  start(): void {
    while (this.#attached && this.#receives.size < this.#depth) {
      this.#receive();
    }
  }

  #receive(): void {
    let issued: IssuedRequest<AgentMessage[]>;
    try {
      issued = this.device.issue<AgentMessage[]>('receive', [this.#bufferSize()], this.#ref);
    } catch (error) {
      this.#stop(error);
      return;
    }
    const done = this.device.settle('receive', issued).then(
      (messages) => {
        this.#receives.delete(issued.id);
        for (const message of messages) this.#dispatch(message);
        this.start();
      },
      (error: unknown) => {
        this.#receives.delete(issued.id);
        // Cancelled because we detached or the device closed: the normal end.
        if (this.#attached && !this.device.closed) this.#stop(error);
      },
    );
    this.#receives.set(issued.id, done);
  }

  #bufferSize(): number {
    // Room for one message of the largest size, and many small ones.
    return Math.max(this.device.constants.limits.receiveBufferMin, 256 * 1024);
  }

  #stop(error: unknown): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.emit('detached', error);
  }

  #dispatch(message: AgentMessage): void {
    let result: ReturnType<AgentHandler>;
    try {
      result = this.#handler(message);
    } catch (error) {
      this.#answer(this.#failed(error, message));
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as Promise<AgentReply | undefined | void>).then(
        (reply) => this.#answer(this.#reply(reply, message)),
        (error: unknown) => this.#answer(this.#failed(error, message)),
      );
    } else {
      this.#answer(this.#reply(result as AgentReply | undefined | void, message));
    }
  }

  /** A handler's return value as the reply record, or a failure if it is unusable. */
  #reply(reply: AgentReply | undefined | void, message: AgentMessage): PendingReply {
    try {
      if (reply === undefined || reply === null) {
        return { messageId: message.messageId, status: NtStatus.STATUS_SUCCESS };
      }
      if (typeof reply !== 'object') {
        throw new TypeError('the agent handler must return { status?, output? } or nothing');
      }
      const status = checkStatus(reply.status, 'reply.status', NtStatus.STATUS_SUCCESS);
      const output = reply.output === undefined ? undefined : checkBytes(reply.output, 'reply.output', message.outputSize);
      return { messageId: message.messageId, status, output };
    } catch (error) {
      return this.#failed(error, message);
    }
  }

  /** Surfaces a handler failure (never swallowed) and answers the message with an error status. */
  #failed(error: unknown, message: AgentMessage): PendingReply {
    this.#handlerErrors++;
    let reported = false;
    if (this.#onError) {
      try {
        this.#onError(error, message);
        reported = true;
      } catch (secondary) {
        process.emitWarning(`miracast-hil agent onError threw: ${String(secondary)}`);
      }
    }
    if (this.listenerCount('handlerError') > 0) {
      this.emit('handlerError', error, message);
      reported = true;
    }
    if (!reported) {
      process.emitWarning(
        `miracast-hil agent handler failed for message ${message.messageId}: ${error instanceof Error ? error.stack : String(error)}`,
        'MiracastAgentWarning',
      );
    }
    let status: number = this.device.constants.statuses.HANDLER_FAILED;
    if (error instanceof NtStatusError) {
      status = error.status;
    } else if (error instanceof RangeError && /reply\.output/.test(error.message)) {
      status = NtStatus.STATUS_BUFFER_TOO_SMALL;
    } else if (typeof (error as { ntstatus?: unknown })?.ntstatus === 'number') {
      status = (error as { ntstatus: number }).ntstatus >>> 0;
    }
    return { messageId: message.messageId, status };
  }

  #answer(reply: PendingReply): void {
    this.#handled++;
    if (!this.#attached) return;   // the driver already completed it (AGENT_GONE)
    this.#pending.push(reply);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Sends every answer ready now, in as few IOCTLs as the batch limit allows. */
  #flush(): void {
    this.#flushScheduled = false;
    if (!this.#attached || this.device.closed) {
      this.#pending = [];
      return;
    }
    const limit = this.device.constants.limits.maxReplyBatchBytes - 8;
    while (this.#pending.length > 0) {
      let bytes = 0;
      let count = 0;
      while (count < this.#pending.length) {
        const size = 24 + (((this.#pending[count].output?.byteLength ?? 0) + 7) & ~7);
        if (count > 0 && bytes + size > limit) break;
        bytes += size;
        count++;
      }
      const batch = this.#pending.splice(0, count);
      let issued: IssuedRequest<number[]>;
      try {
        issued = this.device.issue<number[]>('reply', [batch]);
      } catch {
        return;   // closed meanwhile: the driver completes the messages itself
      }
      const sent = this.device.settle('reply', issued).then(
        (results) => {
          for (const result of results) {
            if (result === this.device.constants.statuses.REPLY_UNKNOWN) this.#discardedReplies++;
          }
        },
        (error: unknown) => {
          if (this.#attached && !this.device.closed) this.#stop(error);
        },
      );
      this.#replying.add(sent);
      void sent.finally(() => this.#replying.delete(sent));
    }
  }
}
