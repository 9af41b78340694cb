import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { bearerOf, requestMeta, userOf } from "../../http/request-context.ts";
import type * as routes from "./sessions.routes.ts";

function sessions(c: Context<AppEnv>) {
  return c.get("deps").sessions;
}

export const refresh: RouteHandler<typeof routes.refresh, AppEnv> = async (c) => {
  const { refresh_token } = c.req.valid("json");
  return c.json(await sessions(c).refresh(refresh_token, requestMeta(c)), 200);
};

export const logout: RouteHandler<typeof routes.logout, AppEnv> = async (c) => {
  await sessions(c).logout(bearerOf(c), requestMeta(c));
  return c.body(null, 204);
};

export const logoutAll: RouteHandler<typeof routes.logoutAll, AppEnv> = async (c) => {
  await sessions(c).logoutAll(bearerOf(c), requestMeta(c));
  return c.body(null, 204);
};

export const me: RouteHandler<typeof routes.me, AppEnv> = (c) => {
  return c.json(userOf(c), 200);
};

export const listSessions: RouteHandler<typeof routes.listSessions, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await sessions(c).listSessions(bearerOf(c), { limit, cursor }), 200);
};

export const revokeSession: RouteHandler<typeof routes.revokeSession, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  await sessions(c).revokeSession(bearerOf(c), id, requestMeta(c));
  return c.body(null, 204);
};

export const renameSession: RouteHandler<typeof routes.renameSession, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const { name } = c.req.valid("json");
  return c.json(await sessions(c).nameSession(bearerOf(c), id, name), 200);
};

export const endOtherSessions: RouteHandler<typeof routes.endOtherSessions, AppEnv> = async (c) => {
  c.req.valid("query");
  await sessions(c).revokeOtherSessions(bearerOf(c), requestMeta(c));
  return c.body(null, 204);
};

export const securityEvents: RouteHandler<typeof routes.securityEvents, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  return c.json(await sessions(c).securityEvents(bearerOf(c), { limit, cursor }), 200);
};
