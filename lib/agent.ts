// The agent: plays the Miracast user-mode driver. The driver hands it the miniport's messages
// through pended receive requests (several messages per receive when several are queued); the
// handler answers each one (HandleKernelModeMessage: a status and output bytes); the answers go
// back in batches, one IOCTL for every answer ready in the same turn.
//
// Every message gets an answer: the handler's reply, copied the moment the handler's result is
// known; or an error status when the handler fails, when the driver refuses the reply record, or
// when the reply cannot be sent (a batch that fails whole is retried reply by reply, and the one
// that still fails is answered with an error status). Each such failure reaches the error path
// (onError, 'handlerError', or a process warning). The agent reaches the driver only through its
// request channel.
import { EventEmitter } from 'node:events';
import type { IssuedRequest, RequestChannel } from './channel';
import { ReplySender, type PendingReply } from './agent-replies';
import type { MiracastContext } from './context';
import { NtStatusError } from './errors';
import { NtStatus } from './ntstatus';
import { checkBoolean, checkBytes, checkFunction, checkInteger, checkOptions, checkStatus, invalidArgType } from './validate';

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

/** Checks attachAgent's arguments; returns the options. */
export function checkAgentArguments(handler: unknown, options: AgentOptions | undefined): AgentOptions {
  checkFunction<AgentHandler>(handler, 'handler');
  const opts = checkOptions(options, 'options');
  checkBoolean(opts.manualSessions, 'options.manualSessions', false);
  checkBoolean(opts.ref, 'options.ref', true);
  if (opts.onError !== undefined) checkFunction(opts.onError, 'options.onError');
  checkInteger(opts.receiveDepth, 'options.receiveDepth', 1, 16, 2);
  return opts;
}

/**
 * Events: 'handlerError' (error, message) when the handler threw or rejected, or its reply could
 * not be delivered (the message was answered with an error status); 'detached' (error?) when the
 * agent stops receiving.
 */
export class MiracastAgent extends EventEmitter implements AsyncDisposable {
  readonly #channel: RequestChannel;
  readonly #handler: AgentHandler;
  readonly #onError: AgentOptions['onError'];
  readonly #depth: number;
  #ref: boolean;
  #attached = true;
  #detaching: Promise<void> | undefined;
  readonly #receives = new Map<number, Promise<void>>();
  readonly #replies: ReplySender<AgentMessage>;
  #handled = 0;
  #handlerErrors = 0;
  #replyErrors = 0;

  /**
   * @internal device.attachAgent() is the public way. Attaches the channel's handle as the agent
   * and starts receiving.
   */
  static async attach(channel: RequestChannel, handler: AgentHandler, options?: AgentOptions): Promise<MiracastAgent> {
    const opts = checkAgentArguments(handler, options);
    await channel.request('attachAgent', [opts.manualSessions ?? false]);
    const agent = new MiracastAgent(channel, handler, opts);
    agent.#start();
    return agent;
  }

  private constructor(channel: RequestChannel, handler: AgentHandler, options: AgentOptions) {
    super();
    this.#channel = channel;
    this.#handler = handler;
    this.#onError = options.onError;
    this.#depth = options.receiveDepth ?? 2;
    this.#ref = options.ref ?? true;
    // The sender's view of this agent: whether answers are still wanted; where failures go.
    this.#replies = new ReplySender<AgentMessage>(channel, {
      wantsReplies: () => this.#attached && !this.#channel.closed,
      replyFailed: (error, message, final) => {
        this.#replyErrors++;
        this.#report(error, message,
          final ? 'could not answer (the message stays outstanding until the agent detaches)' : 'reply was not delivered');
      },
      statusOf: (error) => this.#statusOf(error),
    });
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

  /** Replies the driver refused or that could not be sent (each reported, the message answered with an error status). */
  get replyErrors(): number {
    return this.#replyErrors;
  }

  /** Answers the driver no longer wanted (the message was dropped meanwhile: stop, destroy). */
  get discardedReplies(): number {
    return this.#replies.discarded;
  }

  /** The agent no longer keeps the process alive. */
  unref(): this {
    this.#ref = false;
    for (const id of this.#receives.keys()) this.#channel.setRef(id, false);
    return this;
  }

  ref(): this {
    this.#ref = true;
    for (const id of this.#receives.keys()) this.#channel.setRef(id, true);
    return this;
  }

  /** StartMiracastSession for a context: messages held for it are delivered. */
  async startSession(context: MiracastContext | number): Promise<void> {
    await this.#session(context, this.#channel.constants.sessionActions.START, 'startSession');
  }

  /** StopMiracastSession for a context: messages not yet delivered, and any sent later, are dropped. */
  async stopSession(context: MiracastContext | number): Promise<void> {
    await this.#session(context, this.#channel.constants.sessionActions.STOP, 'stopSession');
  }

  async #session(context: MiracastContext | number, action: number, operation: string): Promise<void> {
    const id = typeof context === 'number' ? context : context?.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw invalidArgType('context must be a MiracastContext or a context id');
    }
    const issued = this.#channel.issue<void>('session', [id, action]);
    await this.#channel.settle(operation, issued);
  }

  /**
   * Stops being the agent. Messages received but not answered complete with an error status
   * (STATUS_DEVICE_REMOVED) in the driver; later sends fail at once, as with no agent. When it
   * resolves, no request of the agent is in flight and no answer is waiting to be sent.
   */
  detach(): Promise<void> {
    this.#detaching ??= this.#end(undefined, true);
    return this.#detaching;
  }

  /** @internal the device closed: the driver detaches the agent with the handle */
  markDetached(): void {
    if (this.#attached) {
      this.#attached = false;
      this.#replies.clear();
      this.emit('detached');
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#channel.closed) return;
    await this.detach();
  }

  /** Detaches in the driver (unless the handle is closing), then waits for every request of the agent. */
  async #end(error: unknown, rethrow: boolean): Promise<void> {
    const wasAttached = this.#attached;
    this.#attached = false;
    this.#replies.clear();
    // Whoever awaits the detach needs the process alive until the driver has completed the
    // receives, also for an agent that does not otherwise keep it alive (ref: false).
    for (const id of this.#receives.keys()) this.#channel.setRef(id, true);
    try {
      if (wasAttached && !this.#channel.closed) await this.#channel.request('detachAgent', []);
    } catch (failure) {
      if (rethrow) throw failure;
    } finally {
      await Promise.allSettled([...this.#receives.values(), ...this.#replies.inFlight]);
      if (wasAttached) {
        if (error === undefined) this.emit('detached');
        else this.emit('detached', error);
      }
    }
  }

  /** Keeps `receiveDepth` receives in flight. */
  #start(): void {
    while (this.#attached && this.#receives.size < this.#depth) {
      this.#receive();
    }
  }

  #receive(): void {
    let issued: IssuedRequest<AgentMessage[]>;
    try {
      issued = this.#channel.issue<AgentMessage[]>('receive', [this.#bufferSize()], this.#ref);
    } catch (error) {
      this.#stop(error);
      return;
    }
    const done = this.#channel.settle('receive', issued).then(
      (messages) => {
        this.#receives.delete(issued.id);
        for (const message of messages) this.#dispatch(message);
        this.#start();
      },
      (error: unknown) => {
        this.#receives.delete(issued.id);
        // Cancelled because we detached or the device closed: the normal end.
        if (this.#attached && !this.#channel.closed) this.#stop(error);
      },
    );
    this.#receives.set(issued.id, done);
  }

  #bufferSize(): number {
    // Room for one message of the largest size, and many small ones.
    return Math.max(this.#channel.constants.limits.receiveBufferMin, 256 * 1024);
  }

  /** Receiving failed: the agent ends, and leaves the driver's agent slot free for another. */
  #stop(error: unknown): void {
    if (!this.#attached) return;
    this.#detaching ??= this.#end(error, false);
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

  /**
   * A handler's return value as the reply record, or a failure if it is unusable. The output is
   * copied now: a handler may reuse its buffer for the next message before this batch is sent.
   */
  #reply(reply: AgentReply | undefined | void, message: AgentMessage): PendingReply<AgentMessage> {
    try {
      if (reply === undefined || reply === null) {
        return { message, status: NtStatus.STATUS_SUCCESS, attempts: 0 };
      }
      if (typeof reply !== 'object') {
        throw invalidArgType('the agent handler must return { status?, output? } or nothing');
      }
      const status = checkStatus(reply.status, 'reply.status', NtStatus.STATUS_SUCCESS);
      const output = reply.output === undefined ? undefined : Buffer.from(checkBytes(reply.output, 'reply.output', message.outputSize));
      return { message, status, output, attempts: 0 };
    } catch (error) {
      return this.#failed(error, message);
    }
  }

  /** Surfaces a handler failure (never swallowed) and answers the message with an error status. */
  #failed(error: unknown, message: AgentMessage): PendingReply<AgentMessage> {
    this.#handlerErrors++;
    this.#report(error, message, 'handler failed');
    return { message, status: this.#statusOf(error), attempts: 0 };
  }

  /** Hands an error to onError and 'handlerError' listeners, or makes it a process warning. */
  #report(error: unknown, message: AgentMessage, what: string): void {
    let reported = false;
    if (this.#onError) {
      try {
        this.#onError(error, message);
        reported = true;
      } catch (secondary) {
        process.emitWarning(`miracast-hil agent onError threw: ${String(secondary)}`, 'MiracastAgentWarning');
      }
    }
    if (this.listenerCount('handlerError') > 0) {
      this.emit('handlerError', error, message);
      reported = true;
    }
    if (!reported) {
      process.emitWarning(
        `miracast-hil agent ${what} for message ${message.messageId}: ${error instanceof Error ? error.stack : String(error)}`,
        'MiracastAgentWarning',
      );
    }
  }

  /** The error status a failure answers its message with. */
  #statusOf(error: unknown): number {
    if (error instanceof NtStatusError) return error.status;
    if (error instanceof RangeError && /reply\.output/.test(error.message)) return NtStatus.STATUS_BUFFER_TOO_SMALL;
    const ntstatus = (error as { ntstatus?: unknown } | null)?.ntstatus;
    if (typeof ntstatus === 'number' && Number.isInteger(ntstatus)) return ntstatus >>> 0;
    return this.#channel.constants.statuses.HANDLER_FAILED;
  }

  #answer(reply: PendingReply<AgentMessage>): void {
    this.#handled++;
    this.#replies.queue(reply);
  }
}
