import type { MiddlewareHandler } from "hono";
import { AppError, invalidTokenError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import { countFailedTokenCheck } from "../rate-limit/middleware.ts";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Requires a valid access token and puts its claims in the `auth` variable; with `withUser`,
 * its user in `user` too, read together with the revocation check. Every failure counts
 * against the client address (see countFailedTokenCheck) before its 401 goes out.
 */
export function requireBearer(options: { withUser: boolean }): MiddlewareHandler<AppEnv> {
  return async function requireBearerMiddleware(c, next) {
    try {
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
    } catch (error) {
      if (error instanceof AppError && error.code === "invalid_token") await countFailedTokenCheck(c);
      throw error;
    }
    await next();
  };
}
