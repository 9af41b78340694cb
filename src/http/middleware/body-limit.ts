import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env.ts";
import { AppError } from "../../errors.ts";

/**
 * Rejects bodies over `maxBytes` with 413 before anything parses them: by Content-Length
 * up front, and by counting bytes as a chunked body streams in.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("payload_too_large", `The request body exceeds ${maxBytes} bytes`);
    },
  });
}
