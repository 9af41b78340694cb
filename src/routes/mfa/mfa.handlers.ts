import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { bearerOf, requestMeta } from "../../http/request-context.ts";
import type * as routes from "./mfa.routes.ts";

function mfa(c: Context<AppEnv>) {
  return c.get("deps").mfa;
}

export const startTotp: RouteHandler<typeof routes.startTotp, AppEnv> = async (c) => {
  return c.json(await mfa(c).startTotpEnrolment(bearerOf(c), c.req.valid("json"), requestMeta(c)), 200);
};

export const activateTotp: RouteHandler<typeof routes.activateTotp, AppEnv> = async (c) => {
  return c.json(await mfa(c).activateTotp(bearerOf(c), c.req.valid("json").code, requestMeta(c)), 200);
};

export const status: RouteHandler<typeof routes.status, AppEnv> = async (c) => {
  return c.json(await mfa(c).status(bearerOf(c)), 200);
};

export const verify: RouteHandler<typeof routes.verify, AppEnv> = async (c) => {
  const { mfa_token, code, passkey } = c.req.valid("json");
  const meta = requestMeta(c);
  // The schema lets exactly one through
  const answer = passkey
    ? await c.get("deps").passkeys.verifySecondFactor({ mfa_token, passkey }, meta)
    : await mfa(c).verify({ mfa_token, code: code! }, meta);
  return c.json(answer, 200);
};

export const disable: RouteHandler<typeof routes.disable, AppEnv> = async (c) => {
  await mfa(c).disable(bearerOf(c), c.req.valid("json"), requestMeta(c));
  return c.body(null, 204);
};

export const regenerateRecoveryCodes: RouteHandler<typeof routes.regenerateRecoveryCodes, AppEnv> = async (c) => {
  return c.json(await mfa(c).regenerateRecoveryCodes(bearerOf(c), c.req.valid("json"), requestMeta(c)), 200);
};

export const reauthenticate: RouteHandler<typeof routes.reauthenticate, AppEnv> = async (c) => {
  return c.json(await mfa(c).reauthenticate(bearerOf(c), c.req.valid("json"), requestMeta(c)), 200);
};
