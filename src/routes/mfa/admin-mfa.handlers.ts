import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.ts";
import { adminActorOf } from "../../http/request-context.ts";
import type * as routes from "./admin-mfa.routes.ts";

export const removeUserMfa: RouteHandler<typeof routes.removeUserMfa, AppEnv> = async (c) => {
  await c.get("deps").mfa.removeFactorsOf(c.req.valid("param").id, adminActorOf(c));
  return c.body(null, 204);
};
