import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { bearerOf, requestMeta } from "../../http/request-context.ts";
import type * as routes from "./passkeys.routes.ts";

function passkeys(c: Context<AppEnv>) {
  return c.get("deps").passkeys;
}

export const registrationOptions: RouteHandler<typeof routes.registrationOptions, AppEnv> = async (c) => {
  return c.json(await passkeys(c).registrationOptions(bearerOf(c), c.req.valid("json"), requestMeta(c)), 200);
};

export const register: RouteHandler<typeof routes.register, AppEnv> = async (c) => {
  return c.json(await passkeys(c).register(bearerOf(c), c.req.valid("json"), requestMeta(c)), 201);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  return c.json({ passkeys: await passkeys(c).list(bearerOf(c)) }, 200);
};

export const rename: RouteHandler<typeof routes.rename, AppEnv> = async (c) => {
  return c.json(await passkeys(c).rename(bearerOf(c), c.req.valid("param").id, c.req.valid("json").name), 200);
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await passkeys(c).remove(bearerOf(c), c.req.valid("param").id, c.req.valid("json"), requestMeta(c));
  return c.body(null, 204);
};

export const signinOptions: RouteHandler<typeof routes.signinOptions, AppEnv> = async (c) => {
  return c.json(await passkeys(c).signinOptions(c.req.valid("json")), 200);
};

export const signin: RouteHandler<typeof routes.signin, AppEnv> = async (c) => {
  return c.json(await passkeys(c).signin(c.req.valid("json"), requestMeta(c)), 200);
};
