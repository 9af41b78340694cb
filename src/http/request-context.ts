import type { Context } from "hono";
import type { AuthContext, RequestMeta } from "../services/identity.ts";
import type { CurrentUser } from "../services/current-user.ts";
import type { AppEnv } from "./app-env.ts";
import { clientIp } from "./client-ip.ts";
import type { AdminActor } from "../services/admin/context.ts";

const MAX_USER_AGENT = 512;

/** Who made the request, as services record it on sessions and security events. */
export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return {
    ip: clientIp(c, c.get("deps").config.trustProxy) ?? null,
    userAgent: c.req.header("User-Agent")?.slice(0, MAX_USER_AGENT) ?? null,
    requestId: c.get("requestId") ?? null,
  };
}

/** The bearer's claims on a route declared with `auth`. */
export function bearerOf(c: Context<AppEnv>): AuthContext {
  const auth = c.get("auth");
  if (!auth) throw new Error("Bearer route reached without authentication");
  return auth;
}

/** Who acts on an admin route: the API key's name and the request, as admin events record them. */
export function adminActorOf(c: Context<AppEnv>): AdminActor {
  const key = c.get("adminKey");
  if (!key) throw new Error("Admin route reached without its API key: declare it with adminScope");
  return { name: key.name, meta: requestMeta(c) };
}

/** The bearer's user on a route declared with `auth: "user"`. */
export function userOf(c: Context<AppEnv>): CurrentUser {
  const user = c.get("user");
  if (!user) throw new Error('Route reached without its user: declare it with auth: "user"');
  return user;
}
