import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import type { AppEnv } from "../app-env.ts";

export interface CorsOptions {
  origins: readonly string[];
  allowCredentials: boolean;
}

/**
 * CORS from configuration: an allowed origin is echoed exactly (with Vary: Origin);
 * any other origin, including `null`, gets no Access-Control-Allow-Origin at all. A preflight
 * allows `methods()`: the methods of the app's routes, so a new route's method needs no list.
 */
export function cors(options: CorsOptions, methods: () => readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(options.origins);
  const handle = honoCors({
    origin: (origin) => (origin && origin !== "null" && allowed.has(origin) ? origin : null),
    credentials: options.allowCredentials,
    allowMethods: () => [...methods()],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-ID"],
    exposeHeaders: [
      "X-Request-ID",
      "RateLimit",
      "RateLimit-Policy",
      "Retry-After",
      "X-RateLimit-Limit",
      "X-RateLimit-Remaining",
      "X-RateLimit-Reset",
    ],
    maxAge: 600,
  });
  return async function corsMiddleware(c, next) {
    // Most calls come from servers and apps that send no Origin: no CORS headers to compute
    if (c.req.header("Origin") === undefined) {
      c.header("Vary", "Origin");
      return await next();
    }
    return await handle(c, next);
  };
}
