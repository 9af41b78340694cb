import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../../logger.ts";
import { currentTraceId, redactRequestSpan } from "../../tracing.ts";
import type { AppEnv } from "../app-env.ts";

/**
 * One line per request (JSON, or a request line with LOG_FORMAT=pretty): id (and trace id while
 * tracing), method, matched route (the pattern, so no ids or tokens from the path), status and
 * duration. Never bodies, headers or query strings.
 * The request's span gets the same care: its URL attributes are overwritten with the query
 * values redacted, and it is named by the matched route.
 */
export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function accessLogMiddleware(c, next) {
    // Real time, not the app's Clock: the duration is a measurement reported to operators and
    // nothing decides on it; a test's ManualClock would log every request as taking 0 ms
    const started = performance.now();
    let route = UNMATCHED;
    try {
      await next();
    } finally {
      route = matchedRoute(c);
      redactRequestSpan(c.req.url, route === UNMATCHED ? undefined : route);
    }
    const traceId = currentTraceId();
    logger.info("request", {
      request_id: c.get("requestId"),
      ...(traceId ? { trace_id: traceId } : {}),
      method: c.req.method,
      route,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    });
  };
}

const UNMATCHED = "(unmatched)";

function matchedRoute(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  try {
    const route = routePath(c, -1);
    return route && route !== "/*" && route !== "*" ? route : UNMATCHED;
  } catch {
    return UNMATCHED;
  }
}
