import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { requestMeta } from "../../http/client-ip.ts";
import { normalizeEmail } from "../../services/accounts/email-address.ts";
import {
  requestPasswordReset as requestReset,
  resetPassword as reset,
} from "../../services/accounts/password-reset.ts";
import { signin as signIn } from "../../services/accounts/signin.ts";
import { signup as signUp } from "../../services/accounts/signup.ts";
import { resendVerificationCode, verifyEmail as verify } from "../../services/accounts/verify-email.ts";
import type * as routes from "./auth.routes.ts";

const ACCEPTED_MESSAGE = "If an account needs it, a mail is on its way to this address";

function meta(c: Context<AppEnv>) {
  return requestMeta(c, c.get("deps").config.trustProxy);
}

export const signup: RouteHandler<typeof routes.signup, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  await signUp(c.get("deps"), body, meta(c));
  return c.json({
    email: normalizeEmail(body.email),
    message: "If this address can be registered, a 6-digit verification code is on its way to it",
  }, 201);
};

export const verifyEmail: RouteHandler<typeof routes.verifyEmail, AppEnv> = async (c) => {
  await verify(c.get("deps"), c.req.valid("json"), meta(c));
  return c.json({ email_verified: true as const }, 200);
};

export const resendVerificationOtp: RouteHandler<typeof routes.resendVerificationCode, AppEnv> = async (c) => {
  await resendVerificationCode(c.get("deps"), c.req.valid("json").email);
  return c.json({ message: ACCEPTED_MESSAGE }, 202);
};

export const signin: RouteHandler<typeof routes.signin, AppEnv> = async (c) => {
  return c.json(await signIn(c.get("deps"), c.req.valid("json"), meta(c)), 200);
};

export const requestPasswordReset: RouteHandler<typeof routes.requestPasswordReset, AppEnv> = async (c) => {
  await requestReset(c.get("deps"), c.req.valid("json").email, meta(c));
  return c.json({ message: ACCEPTED_MESSAGE }, 202);
};

export const resetPassword: RouteHandler<typeof routes.resetPassword, AppEnv> = async (c) => {
  await reset(c.get("deps"), c.req.valid("json"), meta(c));
  return c.json({ password_reset: true as const, message: "Password changed; every session was signed out" }, 200);
};
