import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";

const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface RequestIdOptions {
  headerName?: string;
  generate?: () => string;
}

/**
 * Accepts a caller's X-Request-ID when it is short and plain (so it cannot inject log
 * lines or headers), otherwise generates one; echoes it on every response.
 */
export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<AppEnv> {
  const headerName = options.headerName ?? "X-Request-ID";
  const generate = options.generate ?? (() => crypto.randomUUID());
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header(headerName);
    const id = incoming && VALID_REQUEST_ID.test(incoming) ? incoming : generate();
    c.set("requestId", id);
    c.header(headerName, id);
    await next();
    // Responses built outside the context (preflights, some errors) still get the id
    if (!c.res.headers.has(headerName)) c.res.headers.set(headerName, id);
  };
}
