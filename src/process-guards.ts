import { describeError, type Logger } from "./logger.ts";

/**
 * Keeps the server alive through errors that escape every request, such as a driver writing
 * to a socket it has just lost (postgres.js did, before the pool in db/postgres-pool.ts stopped
 * reusing lost connections). Such an error concerns one connection, not the process: it is
 * logged and the instance keeps serving. Nothing is expected here: the fault tests fail when
 * a line appears.
 */
export function installProcessGuards(logger: Logger): () => void {
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    logger.error("uncaught error", { error: describeError(event.error) });
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    logger.error("unhandled rejection", { error: describeError(event.reason) });
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  return () => {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  };
}
