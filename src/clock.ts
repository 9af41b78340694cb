/**
 * Time as a dependency. Modules whose behaviour depends on time (expiry, retries, deadlines,
 * watchdogs) read it and arm their timers here, so tests move time instead of sleeping.
 * @module
 */

/** A timer armed through a Clock: the runtime's own, or a ManualClock's number. */
export type TimerId = ReturnType<typeof setTimeout> | number;

/** The only source of "now" and of timers for the modules that take one. */
export interface Clock {
  /** Wall time */
  now(): Date;
  /** Milliseconds on a clock that never goes back, for durations and deadlines */
  monotonicMs(): number;
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(timer: TimerId | undefined): void;
  setInterval(callback: () => void, ms: number): TimerId;
  clearInterval(timer: TimerId | undefined): void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as number),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (timer) => clearInterval(timer as number),
};

interface ManualTimer {
  dueMs: number;
  callback: () => void;
  /** Set for intervals */
  everyMs?: number;
}

/**
 * A clock tests set and advance. Its timers fire only inside `advance`, in the order they
 * fall due, each with the clock set to its due time.
 */
export class ManualClock implements Clock {
  #ms: number;
  #startMs: number;
  #nextId = 1;
  readonly #timers = new Map<TimerId, ManualTimer>();

  constructor(start: Date | number = Date.now()) {
    this.#ms = typeof start === "number" ? start : start.getTime();
    this.#startMs = this.#ms;
  }

  now(): Date {
    return new Date(this.#ms);
  }

  monotonicMs(): number {
    return this.#ms - this.#startMs;
  }

  setTimeout(callback: () => void, ms: number): TimerId {
    const id = this.#nextId++;
    this.#timers.set(id, { dueMs: this.#ms + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(timer: TimerId | undefined): void {
    if (timer !== undefined) this.#timers.delete(timer);
  }

  setInterval(callback: () => void, ms: number): TimerId {
    const everyMs = Math.max(1, ms);
    const id = this.#nextId++;
    this.#timers.set(id, { dueMs: this.#ms + everyMs, callback, everyMs });
    return id;
  }

  clearInterval(timer: TimerId | undefined): void {
    this.clearTimeout(timer);
  }

  /** Timers armed and not yet fired or cleared */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const endMs = this.#ms + ms;
    for (;;) {
      const next = this.#nextDue(endMs);
      if (!next) break;
      const [id, timer] = next;
      this.#ms = timer.dueMs;
      if (timer.everyMs === undefined) this.#timers.delete(id);
      else timer.dueMs += timer.everyMs;
      timer.callback();
    }
    this.#ms = endMs;
  }

  /**
   * `advance` in steps of `stepMs`, letting promises settle between steps: what a timer
   * starts (a retry, a probe) gets to run before the next one falls due. `tick()` moves no
   * time: it fires the timers due now and lets what is already resolved run.
   */
  async tick(ms = 0, stepMs = Math.min(ms, 10)): Promise<void> {
    let left = ms;
    do {
      const step = Math.min(Math.max(1, stepMs), left);
      this.advance(step);
      left -= step;
      // A macrotask turn: resolved I/O and promise chains run before time moves on
      await new Promise((resolve) => setTimeout(resolve, 0));
    } while (left > 0);
  }

  #nextDue(endMs: number): [TimerId, ManualTimer] | undefined {
    let found: [TimerId, ManualTimer] | undefined;
    for (const entry of this.#timers) {
      if (entry[1].dueMs > endMs) continue;
      if (!found || entry[1].dueMs < found[1].dueMs) found = entry;
    }
    return found;
  }
}
