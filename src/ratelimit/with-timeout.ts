/** Thrown when a store call does not settle in time. */
export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`Rate limit store did not answer within ${ms} ms`);
    this.name = "StoreTimeoutError";
  }
}

/** Settles like `promise`, or rejects with {@link StoreTimeoutError} after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms);
  });
  // The call keeps running after a timeout; its late failure must not surface as an
  // unhandled rejection.
  promise.catch(() => {});
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
