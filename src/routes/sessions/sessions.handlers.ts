import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv, AuthContext } from "../../http/app-env.ts";
import { requestMeta } from "../../http/client-ip.ts";
import type { SessionManager } from "../../services/session-manager.ts";
import type * as routes from "./sessions.routes.ts";

function sessionsOf(c: Context<AppEnv>): SessionManager {
  const manager = c.get("deps").sessionManager;
  if (!manager) throw new Error("The session manager is not configured");
  return manager;
}

function bearerOf(c: Context<AppEnv>): AuthContext {
  const auth = c.get("auth");
  if (!auth) throw new Error("Bearer route reached without authentication");
  return auth;
}

function metaOf(c: Context<AppEnv>) {
  return requestMeta(c, c.get("deps").config.trustProxy);
}

export const refresh: RouteHandler<typeof routes.refresh, AppEnv> = async (c) => {
  const { refresh_token } = c.req.valid("json");
  return c.json(await sessionsOf(c).refresh(refresh_token, metaOf(c)), 200);
};

export const logout: RouteHandler<typeof routes.logout, AppEnv> = async (c) => {
  await sessionsOf(c).logout(bearerOf(c), metaOf(c));
  return c.body(null, 204);
};

export const logoutAll: RouteHandler<typeof routes.logoutAll, AppEnv> = async (c) => {
  await sessionsOf(c).logoutAll(bearerOf(c), metaOf(c));
  return c.body(null, 204);
};

export const me: RouteHandler<typeof routes.me, AppEnv> = async (c) => {
  return c.json(await sessionsOf(c).currentUser(bearerOf(c)), 200);
};

export const listSessions: RouteHandler<typeof routes.listSessions, AppEnv> = async (c) => {
  return c.json({ sessions: await sessionsOf(c).listSessions(bearerOf(c)) }, 200);
};

export const revokeSession: RouteHandler<typeof routes.revokeSession, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  await sessionsOf(c).revokeSession(bearerOf(c), id, metaOf(c));
  return c.body(null, 204);
};

export const securityEvents: RouteHandler<typeof routes.securityEvents, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await sessionsOf(c).securityEvents(bearerOf(c), { limit, cursor }), 200);
};
