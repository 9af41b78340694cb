import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.ts";
import type * as routes from "./security.routes.ts";

export const securityTest: RouteHandler<typeof routes.securityTest, AppEnv> = (c) => {
  // The rate-limit middleware of this route has already counted the request
  const result = c.get("rateLimit");
  if (!result) throw new Error("The security test route ran without its rate limit");
  return c.json({
    message: "Rate limiting is active",
    store: result.store,
    limit: result.limit,
    remaining: result.remaining,
  }, 200);
};
