// The agent's replies on their way to the driver: batched (every answer ready in the same turn
// goes in as few reply IOCTLs as the batch limit allows), and checked record by record. A reply
// is never dropped silently: a batch that fails whole (the addon cannot encode it, or the driver
// fails the IOCTL) is retried reply by reply; a reply the driver still does not take (a refused
// record, or a single reply that fails) is reported through `failed` and its message answered
// again with an error status, at most MAX_ERROR_ANSWERS times.
import type { IssuedRequest, RequestChannel } from './channel';
import { NtStatusError } from './errors';
import { NtStatus } from './ntstatus';

/** Error-status answers tried for one message whose reply the driver would not take. */
const MAX_ERROR_ANSWERS = 2;

/** What a reply answers: the agent's message (only its id travels). */
export interface Answered {
  readonly messageId: number;
}

/** A reply ready to send: the bytes are the agent's own copy. */
export interface PendingReply<M extends Answered = Answered> {
  readonly message: M;
  readonly status: number;
  readonly output?: Buffer;
  /** Error-status answers already tried for this message (0 for the handler's own reply). */
  readonly attempts: number;
}

/** What the sender needs from its agent. */
export interface ReplySenderOwner<M extends Answered> {
  /** False once the agent detached or its handle is closing: the driver completes what is left. */
  wantsReplies(): boolean;
  /** A reply the driver did not take; `final` when no further answer will be tried. */
  replyFailed(error: unknown, message: M, final: boolean): void;
  /** The error status a failure answers its message with. */
  statusOf(error: unknown): number;
}

export class ReplySender<M extends Answered> {
  readonly #channel: RequestChannel;
  readonly #owner: ReplySenderOwner<M>;
  #pending: PendingReply<M>[] = [];
  #flushScheduled = false;
  readonly #sending = new Set<Promise<void>>();
  #discarded = 0;

  constructor(channel: RequestChannel, owner: ReplySenderOwner<M>) {
    this.#channel = channel;
    this.#owner = owner;
  }

  /** Answers the driver no longer wanted (the message was dropped meanwhile: stop, destroy). */
  get discarded(): number {
    return this.#discarded;
  }

  /** Reply IOCTLs in flight, to wait for at detach. */
  get inFlight(): Promise<void>[] {
    return [...this.#sending];
  }

  /** Drops what is waiting to be sent (the driver completes those messages itself). */
  clear(): void {
    this.#pending = [];
  }

  /** Sends the reply with the others ready in this turn. */
  queue(reply: PendingReply<M>): void {
    if (!this.#owner.wantsReplies()) return;   // the driver already completed it (AGENT_GONE)
    this.#pending.push(reply);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Sends every answer ready now, in as few IOCTLs as the batch limit allows. */
  #flush(): void {
    this.#flushScheduled = false;
    if (!this.#owner.wantsReplies()) {
      this.#pending = [];
      return;
    }
    const limit = this.#channel.constants.limits.maxReplyBatchBytes - 8;
    while (this.#pending.length > 0) {
      let bytes = 0;
      let count = 0;
      while (count < this.#pending.length) {
        const size = 24 + (((this.#pending[count].output?.byteLength ?? 0) + 7) & ~7);
        if (count > 0 && bytes + size > limit) break;
        bytes += size;
        count++;
      }
      this.#send(this.#pending.splice(0, count));
    }
  }

  /** One reply IOCTL for a batch; each record's result is checked. */
  #send(batch: PendingReply<M>[]): void {
    if (!this.#owner.wantsReplies()) return;   // the driver completes them itself
    let issued: IssuedRequest<number[]>;
    try {
      issued = this.#channel.issue<number[]>('reply', [
        batch.map((reply) => ({ messageId: reply.message.messageId, status: reply.status, output: reply.output })),
      ]);
    } catch (error) {
      this.#undeliverable(batch, error);   // the addon could not encode the batch
      return;
    }
    const sent = this.#channel.settle('reply', issued).then(
      (results) => this.#accepted(batch, results),
      (error: unknown) => this.#undeliverable(batch, error),
    );
    this.#sending.add(sent);
    void sent.finally(() => this.#sending.delete(sent));
  }

  /** The driver took the batch: each record has its own result. */
  #accepted(batch: PendingReply<M>[], results: number[]): void {
    const statuses = this.#channel.constants.statuses;
    batch.forEach((reply, i) => {
      const result = results[i];
      if (result === NtStatus.STATUS_SUCCESS) return;
      if (result === statuses.REPLY_UNKNOWN) {
        this.#discarded++;   // dropped meanwhile (stop, destroy): nobody waits for it
        return;
      }
      this.#replyFailed(reply, new NtStatusError(result ?? statuses.HANDLER_FAILED, 'reply'));
    });
  }

  /** A batch the addon could not encode, or that the driver refused whole: find the bad reply. */
  #undeliverable(batch: PendingReply<M>[], error: unknown): void {
    if (!this.#owner.wantsReplies()) return;   // the driver completes them itself
    if (batch.length > 1) {
      for (const reply of batch) this.#send([reply]);
      return;
    }
    this.#replyFailed(batch[0], error);
  }

  /**
   * A reply the driver did not take (the message stays outstanding there): report it, and answer
   * the message with an error status instead, a bounded number of times.
   */
  #replyFailed(reply: PendingReply<M>, error: unknown): void {
    const giveUp = reply.attempts >= MAX_ERROR_ANSWERS;
    this.#owner.replyFailed(error, reply.message, giveUp);
    if (giveUp) return;
    this.queue({ message: reply.message, status: this.#errorStatus(error), attempts: reply.attempts + 1 });
  }

  /** An error status (severity error) for a reply that failed. */
  #errorStatus(error: unknown): number {
    const status = this.#owner.statusOf(error);
    return status >= 0xc0000000 ? status : this.#channel.constants.statuses.HANDLER_FAILED;
  }
}
