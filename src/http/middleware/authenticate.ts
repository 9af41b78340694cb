import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { AppError } from "../errors.ts";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/** The RFC 6750 challenge sent with every 401 on a bearer route. */
export function invalidTokenError(detail = "The access token is missing, invalid, expired or revoked"): AppError {
  return new AppError("invalid_token", detail, {
    headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' },
  });
}

/** Requires a valid access token and puts its claims in the `auth` variable. */
export function requireBearer(): MiddlewareHandler<AppEnv> {
  return async function requireBearerMiddleware(c, next) {
    const match = BEARER.exec(c.req.header("Authorization") ?? "");
    if (!match) throw invalidTokenError("A bearer access token is required");
    const authenticate = c.get("deps").authenticate;
    if (!authenticate) throw invalidTokenError();
    c.set("auth", await authenticate(match[1]));
    await next();
  };
}
