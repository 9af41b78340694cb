import type { MiddlewareHandler } from "hono";
import { AppError } from "../../errors.ts";
import type { AdminScope } from "../../services/admin/scopes.ts";
import type { AppEnv } from "../app-env.ts";
import { bearerToken } from "../bearer-token.ts";
import { countFailedTokenCheck } from "../rate-limit/middleware.ts";

function invalidKeyError(): AppError {
  return new AppError("invalid_token", "The admin API key is missing, invalid, expired or revoked", {
    headers: { "WWW-Authenticate": 'Bearer realm="admin", error="invalid_token"' },
  });
}

/**
 * Requires a live admin API key (`Authorization: Bearer jak_…`), read from PostgreSQL on
 * every request so a revocation holds on every instance at once, and puts it in the
 * `adminKey` variable. A failure is a 401 counted against the client address, like a
 * failed token check.
 */
export function requireAdminKey(): MiddlewareHandler<AppEnv> {
  return async function requireAdminKeyMiddleware(c, next) {
    try {
      const key = bearerToken(c.req.header("Authorization"));
      const identity = key ? await c.get("deps").adminKeys.authenticate(key) : undefined;
      if (!identity) throw invalidKeyError();
      c.set("adminKey", identity);
    } catch (error) {
      if (error instanceof AppError && error.code === "invalid_token") await countFailedTokenCheck(c);
      throw error;
    }
    await next();
  };
}

/** 403 `insufficient_scope` (RFC 6750) unless the request's admin key holds `scope`. */
export function requireScope(scope: AdminScope): MiddlewareHandler<AppEnv> {
  return async function requireScopeMiddleware(c, next) {
    if (!c.get("adminKey")?.scopes.includes(scope)) {
      throw new AppError("insufficient_scope", `This operation needs an admin API key with the scope ${scope}`, {
        headers: { "WWW-Authenticate": `Bearer realm="admin", error="insufficient_scope", scope="${scope}"` },
      });
    }
    await next();
  };
}
