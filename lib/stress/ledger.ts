// Counting promises: every request a storm starts must settle exactly once. The ledger hands out a
// token per promise and counts its settlement; a second settlement of one token, or a token never
// settled by the end, is a lost request.

export type Outcome = 'resolved' | 'aborted' | 'timedOut' | 'failed';

export class Ledger {
  issued = 0;
  settled = 0;
  doubleSettled = 0;
  readonly outcomes: Record<Outcome, number> = { resolved: 0, aborted: 0, timedOut: 0, failed: 0 };
  /** What failed unexpectedly, first few kept. */
  readonly failures: string[] = [];
  readonly #open = new Set<number>();
  #next = 0;

  /** Follows `promise`; resolves (never rejects) when it settles, with how it did. */
  track<T>(promise: Promise<T>, classify: (error: unknown) => Outcome = () => 'failed'): Promise<{ outcome: Outcome; value?: T; error?: unknown }> {
    const token = this.#next++;
    this.issued++;
    this.#open.add(token);
    return promise.then(
      (value) => ({ outcome: this.#settle(token, 'resolved'), value }),
      (error: unknown) => {
        const outcome = this.#settle(token, classify(error));
        if (outcome === 'failed') this.fail(describe(error));
        return { outcome, error };
      },
    );
  }

  fail(what: string): void {
    this.outcomes.failed++;
    if (this.failures.length < 5) this.failures.push(what);
  }

  /** Promises issued and not settled. */
  get unsettled(): number {
    return this.#open.size;
  }

  #settle(token: number, outcome: Outcome): Outcome {
    if (!this.#open.delete(token)) {
      this.doubleSettled++;
      return outcome;
    }
    this.settled++;
    if (outcome !== 'failed') this.outcomes[outcome]++;
    return outcome;
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}
