import { describeError, type Logger } from "../../logger.ts";
import { type AfterAnswerTask, NOOP_OBSERVER, type Observer } from "../../observer.ts";
import { rateLimitedError } from "../../ratelimit/headers.ts";

const SATURATED_RETRY_AFTER_SECONDS = 2;

/**
 * Work that runs after the request is answered: what an account request does for a known
 * address (lock its row, write a token or codes, queue mail) then cannot show in how long
 * the answer takes, because the answer no longer waits for any of it.
 */
export interface AfterAnswer {
  /**
   * Queues the task and resolves at once, before it runs: from then on the task is accepted
   * and runs (settled() waits for it at shutdown). With `maxWaiting` tasks already waiting
   * nothing is accepted: it rejects with 429 rate_limited and Retry-After, whatever the
   * address, counted in the after-answer metrics rather than logged (a full queue is load,
   * not a fault).
   */
  defer(name: AfterAnswerTask, task: () => Promise<void>): Promise<void>;
  /** Resolves once every task queued so far has finished (shutdown; tests before reading mail). */
  settled(): Promise<void>;
}

export interface AfterAnswerOptions {
  logger: Logger;
  /** Where queue depth and shed requests are counted */
  observer?: Observer;
  /** Tasks running at once (each holds at most one database connection) */
  concurrency?: number;
  /** Tasks allowed to wait */
  maxWaiting?: number;
}

/** A bounded queue of after-answer tasks; a failed task is logged, never thrown at anyone. */
export function createAfterAnswer(options: AfterAnswerOptions): AfterAnswer {
  const concurrency = options.concurrency ?? 2;
  const maxWaiting = options.maxWaiting ?? 256;
  const observer = options.observer ?? NOOP_OBSERVER;
  const waiting: Array<{ name: AfterAnswerTask; task: () => Promise<void> }> = [];
  const running = new Set<Promise<void>>();
  const reportDepth = () => observer.afterAnswerQueueDepth(running.size + waiting.length);

  function pump(): void {
    while (running.size < concurrency && waiting.length > 0) {
      const { name, task } = waiting.shift()!;
      const run: Promise<void> = Promise.resolve()
        .then(task)
        .catch((error) => options.logger.error("after-answer task failed", { task: name, error: describeError(error) }))
        .finally(() => {
          running.delete(run);
          pump();
          reportDepth();
        });
      running.add(run);
    }
  }

  return {
    defer(name, task) {
      if (waiting.length >= maxWaiting) {
        observer.afterAnswerShed(name);
        return Promise.reject(rateLimitedError(SATURATED_RETRY_AFTER_SECONDS));
      }
      waiting.push({ name, task });
      pump();
      reportDepth();
      return Promise.resolve();
    },
    async settled() {
      while (running.size > 0 || waiting.length > 0) await Promise.all([...running]);
    },
  };
}
