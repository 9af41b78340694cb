import type { MiddlewareHandler } from "hono";
import { invalidTokenError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Requires a valid access token and puts its claims in the `auth` variable; with `withUser`,
 * its user in `user` too, read together with the revocation check.
 */
export function requireBearer(options: { withUser: boolean }): MiddlewareHandler<AppEnv> {
  return async function requireBearerMiddleware(c, next) {
    const match = BEARER.exec(c.req.header("Authorization") ?? "");
    if (!match) throw invalidTokenError("A bearer access token is required");
    const sessions = c.get("deps").sessions;
    if (options.withUser) {
      const { auth, user } = await sessions.authenticateWithUser(match[1]);
      c.set("auth", auth);
      c.set("user", user);
    } else {
      c.set("auth", await sessions.authenticate(match[1]));
    }
    await next();
  };
}
