import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env.ts";
import { bearerOf, requestMeta } from "../../http/request-context.ts";
import type * as routes from "./settings.routes.ts";

function accounts(c: Context<AppEnv>) {
  return c.get("deps").accounts;
}

export const updateProfile: RouteHandler<typeof routes.updateProfile, AppEnv> = async (c) => {
  return c.json(await accounts(c).updateProfile(bearerOf(c), c.req.valid("json"), requestMeta(c)), 200);
};

export const changePassword: RouteHandler<typeof routes.changePassword, AppEnv> = async (c) => {
  return c.json(await accounts(c).changePassword(bearerOf(c), c.req.valid("json"), requestMeta(c)), 200);
};

export const changeEmail: RouteHandler<typeof routes.changeEmail, AppEnv> = async (c) => {
  await accounts(c).requestEmailChange(bearerOf(c), c.req.valid("json"), requestMeta(c));
  return c.json({ message: "If this address can be used, a 6-digit code is on its way to it" }, 202);
};

export const confirmEmailChange: RouteHandler<typeof routes.confirmEmailChange, AppEnv> = async (c) => {
  return c.json(await accounts(c).confirmEmailChange(bearerOf(c), c.req.valid("json").otp, requestMeta(c)), 200);
};

export const revertEmailChange: RouteHandler<typeof routes.revertEmailChange, AppEnv> = async (c) => {
  await accounts(c).revertEmailChange(c.req.valid("json").token, requestMeta(c));
  return c.json({
    email_change_reverted: true as const,
    message: "Address restored; every session was signed out; choose a new password with the mailed link",
  }, 200);
};

export const reportNotMe: RouteHandler<typeof routes.reportNotMe, AppEnv> = async (c) => {
  await accounts(c).reportNotMe(c.req.valid("json").token, requestMeta(c));
  return c.json({
    signed_out: true as const,
    message: "Every device was signed out; choose a new password with the mailed link",
  }, 200);
};

export const deleteAccount: RouteHandler<typeof routes.deleteAccount, AppEnv> = async (c) => {
  const { deletionDueAt, erased } = await accounts(c).deleteAccount(
    bearerOf(c),
    c.req.valid("json"),
    requestMeta(c),
  );
  return c.json({
    deletion_due_at: deletionDueAt.toISOString(),
    message: erased ? "Account deleted and erased" : "Account deleted; a mail with a way to keep it is on its way",
  }, 202);
};

export const cancelAccountDeletion: RouteHandler<typeof routes.cancelAccountDeletion, AppEnv> = async (c) => {
  await accounts(c).cancelDeletion(c.req.valid("json").token, requestMeta(c));
  return c.json({ account_kept: true as const, message: "The account is kept; sign in again" }, 200);
};
