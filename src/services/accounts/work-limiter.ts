/** Raised when a WorkLimiter's queue is full; the caller answers 503 instead of waiting. */
export class SaturatedError extends Error {
  constructor() {
    super("Too much work is queued");
    this.name = "SaturatedError";
  }
}

/**
 * Runs at most `concurrency` tasks at once and lets at most `maxQueue` wait. Bounding
 * the queue matters as much as bounding the work: an unbounded queue turns a flood into
 * ever-growing latency for everyone instead of fast refusals for the excess.
 */
export class WorkLimiter {
  #active = 0;
  #waiting: Array<() => void> = [];

  constructor(readonly concurrency: number, readonly maxQueue: number) {
    if (concurrency < 1) throw new RangeError("Concurrency must be at least 1");
  }

  /** Tasks running plus tasks waiting. */
  get load(): number {
    return this.#active + this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.concurrency) {
      this.#active++;
    } else if (this.#waiting.length < this.maxQueue) {
      // The finishing task hands its slot over, so #active stays as it is
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      throw new SaturatedError();
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
