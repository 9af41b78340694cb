import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import type { AppEnv } from "../http/app-env.ts";
import { buildOpenApiDocument, type OpenApiDocument } from "../http/openapi-document.ts";
import { authRouter } from "./auth/index.ts";
import { adminRouter } from "./admin/index.ts";
import { registerWebhookEvents } from "./admin/webhook-events.ts";
import { settingsRouter } from "./settings/index.ts";
import { devRouter } from "./dev/index.ts";
import { docsRouter } from "./docs/index.ts";
import { healthRouter } from "./health/index.ts";
import { keysRouter } from "./keys/index.ts";
import { mfaRouter } from "./mfa/index.ts";
import { passkeysRouter } from "./passkeys/index.ts";
import { accountPagesRouter } from "./pages/index.ts";
import * as docsRoutes from "./docs/docs.routes.ts";
import * as pageRoutes from "./pages/pages.routes.ts";
import { sessionsRouter } from "./sessions/index.ts";
import { securityRouter } from "./security/index.ts";

/** Mounts every contract router; /openapi.json and /docs are added by mountApi. */
export function mountRoutes(app: OpenAPIHono<AppEnv>, options: { development: boolean }): void {
  app.route("/", healthRouter());
  app.route("/", authRouter());
  app.route("/", mfaRouter());
  app.route("/", passkeysRouter());
  if (options.development) app.route("/", devRouter());
  app.route("/", sessionsRouter());
  app.route("/", settingsRouter());
  app.route("/", securityRouter());
  app.route("/", keysRouter());
  app.route("/", adminRouter());
  app.route("/", accountPagesRouter());
}

/**
 * Mounts the contract routers for `config`'s environment, then /openapi.json and /docs
 * describing them. The app serves the document this returns and `deno task openapi` writes
 * it, so the served and the committed contract come from one place.
 */
export function mountApi(app: OpenAPIHono<AppEnv>, config: Config): () => OpenApiDocument {
  let document: OpenApiDocument | undefined;
  // Built on first use, once every route (the docs routes too) is registered
  const getDocument = () => document ??= buildOpenApiDocument(app, config);
  mountRoutes(app, { development: config.environment === "development" });
  registerWebhookEvents(app.openAPIRegistry);
  app.route("/", docsRouter(getDocument));
  return getDocument;
}

/**
 * The routes `hide` keeps out of the spec (Swagger UI's page and files, the account pages): they
 * are served all the same, so request metrics label them by their operation like the others.
 */
export const HIDDEN_ROUTES = [
  docsRoutes.docs,
  docsRoutes.asset,
  pageRoutes.page,
  pageRoutes.submitPage,
  pageRoutes.asset,
];
