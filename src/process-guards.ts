import { describeError, type Logger } from "./logger.ts";

/**
 * Keeps the server alive through errors that escape every request, such as postgres.js
 * writing to a socket it has just lost when the database drops connections. Such an error
 * concerns one connection, not the process: it is logged and the instance keeps serving,
 * while the affected request gets its 503 from the normal error path.
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
