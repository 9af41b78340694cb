import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.ts";
import { bearerToken } from "../../http/bearer-token.ts";
import { healthSummary, runHealthChecks, showsHealthDetails } from "../../services/health.ts";
import type * as routes from "./health.routes.ts";
import { AppError } from "../../errors.ts";

export const health: RouteHandler<typeof routes.health, AppEnv> = async (c) => {
  const deps = c.get("deps");
  const report = await runHealthChecks(deps);
  if (showsHealthDetails(deps.config, bearerToken(c.req.header("Authorization")))) return c.json(report, 200);
  return c.json(healthSummary(report), 200);
};

export const live: RouteHandler<typeof routes.live, AppEnv> = (c) => {
  const liveness = c.get("deps").database.live();
  if (!liveness.live) {
    throw new AppError("service_unavailable", "This instance can no longer serve from its database", {
      cause: new Error(`liveness: ${liveness.reason}`),
      headers: { "Retry-After": "5" },
    });
  }
  return c.json({ status: "alive" as const }, 200);
};

export const ready: RouteHandler<typeof routes.ready, AppEnv> = async (c) => {
  try {
    await c.get("deps").database.ping(2000);
  } catch (error) {
    throw new AppError("service_unavailable", "The database is not reachable", {
      cause: error,
      headers: { "Retry-After": "5" },
    });
  }
  return c.json({ status: "ready" as const }, 200);
};
