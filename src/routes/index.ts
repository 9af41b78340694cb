import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/app-env.ts";
import { accountRouter } from "./auth/index.ts";
import { devRouter } from "./dev/index.ts";
import { healthRouter } from "./health/index.ts";
import { sessionsRouter } from "./sessions/index.ts";
import { securityRouter } from "./security/index.ts";

/** Mounts every contract router; /openapi.json and /docs are added by the app. */
export function mountRoutes(app: OpenAPIHono<AppEnv>, options: { development: boolean }): void {
  app.route("/", healthRouter());
  app.route("/", accountRouter());
  if (options.development) app.route("/", devRouter());
  app.route("/", sessionsRouter());
  app.route("/", securityRouter());
}
