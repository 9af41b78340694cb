import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.ts";
import { JWKS_MAX_AGE_SECONDS } from "../../services/keys/timing.ts";
import type * as routes from "./keys.routes.ts";

const CACHE_CONTROL = `public, max-age=${JWKS_MAX_AGE_SECONDS}`;

export const jwks: RouteHandler<typeof routes.jwks, AppEnv> = async (c) => {
  return c.json(await c.get("deps").keys.jwks(), 200, { "Cache-Control": CACHE_CONTROL });
};

export const metadata: RouteHandler<typeof routes.metadata, AppEnv> = (c) => {
  return c.json(c.get("deps").keys.metadata(), 200, { "Cache-Control": CACHE_CONTROL });
};
