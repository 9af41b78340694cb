import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Observer } from "../../observer.ts";
import type { AppEnv } from "../app-env.ts";

/** The label of requests no route matched: one series however many paths are tried. */
export const UNMATCHED_OPERATION = "unmatched";

/** Finds the operation id of a matched route: `GET /auth/sessions/:id` → `listSessions`… */
export interface OperationTable {
  operationOf(method: string, routePattern: string): string | undefined;
}

/**
 * Builds the table from the routes' contracts (`{ method, path: "/a/{id}", operationId }`, as
 * defineRoute registers them), so every new route gets its label without a list to update.
 */
export function operationTable(
  routes: Iterable<{ method: string; path: string; operationId?: string }>,
): OperationTable {
  const table = new Map<string, string>();
  for (const route of routes) {
    if (!route.operationId) continue;
    const pattern = route.path.replace(/\{([^}]+)\}/g, ":$1");
    table.set(`${route.method.toUpperCase()} ${pattern}`, route.operationId);
  }
  return {
    operationOf(method, routePattern) {
      // Hono answers HEAD with the GET route
      return table.get(`${method === "HEAD" ? "GET" : method} ${routePattern}`);
    },
  };
}

/**
 * Counts and times every answered request under its route's operation id; a request no
 * route matched counts as `unmatched`, so unknown paths cannot grow the series.
 */
export function requestMetrics(observer: Observer, table: () => OperationTable): MiddlewareHandler<AppEnv> {
  return async function requestMetricsMiddleware(c, next) {
    // Real time: a measurement for operators (see the access log)
    const started = performance.now();
    try {
      await next();
    } finally {
      const operation = operationOf(c, table()) ?? UNMATCHED_OPERATION;
      observer.request(operation, c.res.status, (performance.now() - started) / 1000);
    }
  };
}

function operationOf(c: Parameters<MiddlewareHandler<AppEnv>>[0], table: OperationTable): string | undefined {
  try {
    const route = routePath(c, -1);
    return route ? table.operationOf(c.req.method, route) : undefined;
  } catch {
    return undefined;
  }
}
