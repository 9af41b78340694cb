import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { requestMeta } from "../../http/request-context.ts";
import { normalizeEmail } from "../../services/accounts/email-address.ts";
import type * as routes from "./auth.routes.ts";

const ACCEPTED_MESSAGE = "If an account needs it, a mail is on its way to this address";

function accounts(c: Context<AppEnv>) {
  return c.get("deps").accounts;
}

export const signup: RouteHandler<typeof routes.signup, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  await accounts(c).signup(body, requestMeta(c));
  return c.json({
    email: normalizeEmail(body.email),
    message: "If this address can be registered, a 6-digit verification code is on its way to it",
  }, 201);
};

export const verifyEmail: RouteHandler<typeof routes.verifyEmail, AppEnv> = async (c) => {
  await accounts(c).verifyEmail(c.req.valid("json"), requestMeta(c));
  return c.json({ email_verified: true as const }, 200);
};

export const resendEmailVerificationOtp: RouteHandler<typeof routes.resendEmailVerificationOtp, AppEnv> = async (c) => {
  await accounts(c).resendEmailVerificationOtp(c.req.valid("json").email, requestMeta(c));
  return c.json({ message: ACCEPTED_MESSAGE }, 202);
};

export const signin: RouteHandler<typeof routes.signin, AppEnv> = async (c) => {
  return c.json(await accounts(c).signin(c.req.valid("json"), requestMeta(c)), 200);
};

export const requestPasswordReset: RouteHandler<typeof routes.requestPasswordReset, AppEnv> = async (c) => {
  await accounts(c).requestPasswordReset(c.req.valid("json").email, requestMeta(c));
  return c.json({ message: ACCEPTED_MESSAGE }, 202);
};

export const resetPassword: RouteHandler<typeof routes.resetPassword, AppEnv> = async (c) => {
  await accounts(c).resetPassword(c.req.valid("json"), requestMeta(c));
  return c.json({ password_reset: true as const, message: "Password changed; every session was signed out" }, 200);
};
