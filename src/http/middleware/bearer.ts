import type { MiddlewareHandler } from "hono";
import { AppError, invalidTokenError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import { bearerToken } from "../bearer-token.ts";
import { countFailedTokenCheck } from "../rate-limit/middleware.ts";

/**
 * Requires a valid access token and puts its claims in the `auth` variable; with `withUser`,
 * its user in `user` too, read together with the revocation check. Every failure counts
 * against the client address (see countFailedTokenCheck) before its 401 goes out.
 */
export function requireBearer(options: { withUser: boolean }): MiddlewareHandler<AppEnv> {
  return async function requireBearerMiddleware(c, next) {
    try {
      const token = bearerToken(c.req.header("Authorization"));
      if (!token) throw invalidTokenError("A bearer access token is required");
      const sessions = c.get("deps").sessions;
      if (options.withUser) {
        const { auth, user } = await sessions.authenticateWithUser(token);
        c.set("auth", auth);
        c.set("user", user);
      } else {
        c.set("auth", await sessions.authenticate(token));
      }
    } catch (error) {
      if (error instanceof AppError && error.code === "invalid_token") await countFailedTokenCheck(c);
      throw error;
    }
    await next();
  };
}
