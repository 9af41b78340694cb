/**
 * GET /metrics: the Prometheus exposition. Served on a listener of its own (METRICS_PORT), or
 * on the main port to the METRICS_TOKEN bearer. Not part of the public contract: it is for the
 * operator's scraper, not for clients, so it stays out of /openapi.json and the SDKs.
 * @module
 */
import type { Context } from "hono";
import { AppError } from "../errors.ts";
import type { Metrics } from "../metrics/prometheus.ts";
import { constantTimeEqual, sha256Hex } from "../services/secrets.ts";
import type { AppEnv } from "./app-env.ts";
import { bearerToken } from "./bearer-token.ts";
import { problemResponse } from "./error-handler.ts";

export const METRICS_PATH = "/metrics";
/** The operation id requests to /metrics are counted under */
export const METRICS_OPERATION = "getMetrics";

async function exposition(metrics: Metrics): Promise<Response> {
  return new Response(await metrics.render(), {
    headers: { "Content-Type": metrics.contentType, "Cache-Control": "no-store" },
  });
}

/** The handler of the metrics listener: GET /metrics, and 404 for anything else. */
export function metricsListener(metrics: Metrics): (request: Request) => Promise<Response> {
  return async function serveMetrics(request) {
    const { pathname } = new URL(request.url);
    if (pathname !== METRICS_PATH) return new Response("Not found\n", { status: 404 });
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { Allow: "GET, HEAD" } });
    }
    return await exposition(metrics);
  };
}

/** GET /metrics on the main port: the exposition to the METRICS_TOKEN bearer, a 401 problem to anyone else. */
export function metricsRoute(metrics: Metrics, token: string) {
  const expected = sha256Hex(token);
  return async function metricsHandler(c: Context<AppEnv>): Promise<Response> {
    const presented = bearerToken(c.req.header("Authorization")) ?? "";
    // Digests of equal length, compared in constant time: neither length nor content leaks
    if (!constantTimeEqual(sha256Hex(presented), expected)) {
      return problemResponse(
        c,
        new AppError("invalid_token", "A valid metrics token is required", {
          headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
        }),
      );
    }
    return await exposition(metrics);
  };
}
