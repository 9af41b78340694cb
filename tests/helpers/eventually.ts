/**
 * Retries `check` until it stops throwing, every 200 ms, for at most `timeoutMs`; then throws
 * its last error. A guard for what arrives on another process's schedule (an exporter's batch,
 * a log line), not a sleep.
 */
export async function eventually<T>(check: () => T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
