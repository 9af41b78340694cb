export interface UntilOptions {
  /** Longest wait before failing, ms (default 5000) */
  timeout?: number;
  /** Pause between two checks, ms (default 10) */
  interval?: number;
  /** What was awaited, for the failure message */
  what?: string;
}

/**
 * Resolves as soon as `condition` holds; fails after `timeout`. For what runs on a clock the
 * test cannot move (another process, a socket, a server's own schedule): everything else is
 * awaited directly or moved by an injected clock.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  options: UntilOptions = {},
): Promise<void> {
  const { timeout = 5000, interval = 10, what = "the condition" } = options;
  const deadline = performance.now() + timeout;
  while (!await condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not hold within ${timeout} ms`);
    // Real time: what is awaited runs on a clock out of the test's reach
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Retries `check` until it stops throwing and returns what it returned; after `timeout`
 * (default 20 s, a check every 200 ms) throws its last error. For a check made of several
 * assertions whose messages say what is missing, such as spans an exporter sends in batches.
 */
export async function untilPasses<T>(check: () => T | Promise<T>, options: UntilOptions = {}): Promise<T> {
  let passed: { value: T } | undefined;
  let lastError: unknown;
  try {
    await until(async () => {
      try {
        passed = { value: await check() };
        return true;
      } catch (error) {
        lastError = error;
        return false;
      }
    }, { timeout: 20_000, interval: 200, ...options });
  } catch (timedOut) {
    throw lastError ?? timedOut;
  }
  return passed!.value;
}
