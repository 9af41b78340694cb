import type { AppDeps } from "./deps.ts";
import { errorHandler, notFoundHandler, type RouteTable, routeTable } from "./http/error-handler.ts";
import { accessLog } from "./http/middleware/access-log.ts";
import { METRICS_OPERATION, METRICS_PATH, metricsRoute } from "./http/metrics-endpoint.ts";
import { type OperationTable, operationTable, requestMetrics } from "./http/middleware/request-metrics.ts";
import { bodyLimit } from "./http/middleware/body-limit.ts";
import { cors } from "./http/middleware/cors.ts";
import { requestId } from "./http/middleware/request-id.ts";
import { securityHeaders } from "./http/middleware/security-headers.ts";
import { createRouter } from "./http/router.ts";
import { HIDDEN_ROUTES, mountApi } from "./routes/index.ts";

/**
 * Builds the Hono app from its dependencies. No side effects: nothing listens, nothing
 * reads the environment, so tests build as many apps as they like.
 */
export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const app = createRouter();

  app.use("*", requestId());
  app.use("*", accessLog(logger));
  let operations: OperationTable | undefined;
  if (deps.metrics) {
    app.use("*", requestMetrics(deps.observer, () => operations ??= contractOperations(app)));
  }
  app.use("*", securityHeaders({ hsts: config.environment === "production" }));
  let methods: string[] | undefined;
  app.use("*", cors(config.cors, () => methods ??= contractMethods(app)));
  app.use("*", bodyLimit(config.bodyLimitBytes));
  app.use("*", async function injectDeps(c, next) {
    c.set("deps", deps);
    c.set("auth", undefined);
    c.set("user", undefined);
    c.set("adminKey", undefined);
    c.set("rateLimit", undefined);
    await next();
  });

  // Outside the contract: the operator's scraper reads it, clients do not (see metrics-endpoint.ts)
  if (deps.metrics && config.metrics.token) app.get(METRICS_PATH, metricsRoute(deps.metrics, config.metrics.token));
  mountApi(app, config);

  let table: RouteTable | undefined;
  app.notFound(notFoundHandler(() => table ??= routeTable(app.routes)));
  app.onError(errorHandler(logger));
  return app;
}

/** The contracts registered with the app: every route of the spec. */
function contractRoutes(app: ReturnType<typeof createRouter>) {
  return app.openAPIRegistry.definitions.flatMap((definition) => definition.type === "route" ? [definition.route] : []);
}

/** Operation ids of every route, from the contracts registered with the app, the hidden ones and /metrics. */
function contractOperations(app: ReturnType<typeof createRouter>): OperationTable {
  return operationTable([
    ...contractRoutes(app),
    ...HIDDEN_ROUTES,
    { method: "get", path: METRICS_PATH, operationId: METRICS_OPERATION },
  ]);
}

/** Every method the contracts use, as a CORS preflight lists them (HEAD goes with GET). */
function contractMethods(app: ReturnType<typeof createRouter>): string[] {
  const methods = new Set(contractRoutes(app).map((route) => route.method.toUpperCase()));
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

export type App = ReturnType<typeof createApp>;
