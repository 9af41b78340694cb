import { type Clock, systemClock, type TimerId } from "./clock.ts";

/** Thrown when a call does not settle within its deadline. */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * Settles like `promise`, or rejects with a TimeoutError after `ms` on `clock`. The call keeps
 * running after a timeout; its late failure must not surface as an unhandled rejection.
 * The clock defaults to the system's for callers outside the assembly (db/, test helpers).
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what = "The call",
  clock: Clock = systemClock,
): Promise<T> {
  let timer: TimerId | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, expired]).finally(() => clock.clearTimeout(timer));
}

/**
 * `withTimeout` for a hot path: every call gets the same deadline, so the oldest pending call
 * always expires first and one sweep timer serves them all, instead of a timer armed and
 * cleared (or, with `AbortSignal.timeout`, left to fire) per call. A call may expire up to a
 * quarter of `ms` late.
 */
export function createDeadline(
  ms: number,
  what: string,
  clock: Clock = systemClock,
): <T>(promise: Promise<T>) => Promise<T> {
  const pending: { expiresAt: number; settled: boolean; expire: () => void }[] = [];
  let sweeper: TimerId | undefined;

  function sweep() {
    const now = clock.monotonicMs();
    // Answered calls may sit between hung ones: step over them, expire every call past its time
    while (pending.length > 0 && (pending[0].settled || pending[0].expiresAt <= now)) {
      const head = pending.shift()!;
      if (!head.settled) head.expire();
    }
    dropSettled();
  }

  /** Forgets answered calls at the head of the queue; no timer runs while nothing is pending. */
  function dropSettled() {
    while (pending.length > 0 && pending[0].settled) pending.shift();
    if (pending.length > 0 || sweeper === undefined) return;
    clock.clearInterval(sweeper);
    sweeper = undefined;
  }

  return function within<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call = {
        expiresAt: clock.monotonicMs() + ms,
        settled: false,
        expire() {
          call.settled = true;
          reject(new TimeoutError(what, ms));
        },
      };
      pending.push(call);
      sweeper ??= clock.setInterval(sweep, Math.max(1, Math.min(50, ms / 4)));
      promise.then(
        (value) => {
          if (call.settled) return;
          call.settled = true;
          dropSettled();
          resolve(value);
        },
        (error) => {
          if (call.settled) return;
          call.settled = true;
          dropSettled();
          reject(error);
        },
      );
    });
  };
}
