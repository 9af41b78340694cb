import { describeError, type Logger } from "../../logger.ts";
import { AppError } from "../../errors.ts";

const SATURATED_RETRY_AFTER_SECONDS = 2;

/**
 * Work that runs after the request is answered: what an account request does for a known
 * address (lock its row, write a token or codes, queue mail) then cannot show in how long
 * the answer takes, because the answer no longer waits for any of it.
 */
export interface AfterAnswer {
  /**
   * Queues the task and resolves at once, before it runs. With `maxWaiting` tasks already
   * waiting it rejects with 503 service_unavailable instead: the caller learns to retry,
   * whatever the address.
   */
  defer(name: string, task: () => Promise<void>): Promise<void>;
  /** Resolves once every task queued so far has finished (shutdown; tests before reading mail). */
  settled(): Promise<void>;
}

export interface AfterAnswerOptions {
  logger: Logger;
  /** Tasks running at once (each holds at most one database connection) */
  concurrency?: number;
  /** Tasks allowed to wait */
  maxWaiting?: number;
}

/** A bounded queue of after-answer tasks; a failed task is logged, never thrown at anyone. */
export function createAfterAnswer(options: AfterAnswerOptions): AfterAnswer {
  const concurrency = options.concurrency ?? 2;
  const maxWaiting = options.maxWaiting ?? 256;
  const waiting: Array<{ name: string; task: () => Promise<void> }> = [];
  const running = new Set<Promise<void>>();

  function pump(): void {
    while (running.size < concurrency && waiting.length > 0) {
      const { name, task } = waiting.shift()!;
      const run: Promise<void> = Promise.resolve()
        .then(task)
        .catch((error) => options.logger.error("after-answer task failed", { task: name, error: describeError(error) }))
        .finally(() => {
          running.delete(run);
          pump();
        });
      running.add(run);
    }
  }

  return {
    defer(name, task) {
      if (waiting.length >= maxWaiting) {
        return Promise.reject(
          new AppError("service_unavailable", "Too many account requests are in progress, retry shortly", {
            headers: { "Retry-After": String(SATURATED_RETRY_AFTER_SECONDS) },
          }),
        );
      }
      waiting.push({ name, task });
      pump();
      return Promise.resolve();
    },
    async settled() {
      while (running.size > 0 || waiting.length > 0) await Promise.all([...running]);
    },
  };
}
