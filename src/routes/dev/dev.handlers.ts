import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/app-env.ts";
import { ACCOUNT_LINK_IN_TEXT } from "../../mail/account-links.ts";
import type { OutboxEntry } from "../../mail/dev-outbox.ts";
import { NOT_ME_TOKEN_IN_TEXT } from "../../mail/activity-templates.ts";
import {
  CANCEL_TOKEN_IN_TEXT,
  RESET_TOKEN_IN_TEXT,
  REVERT_TOKEN_IN_TEXT,
  VERIFICATION_CODE_IN_TEXT,
} from "../../mail/templates.ts";
import type * as routes from "./dev.routes.ts";
import { AppError } from "../../errors.ts";

function present(entry: OutboxEntry) {
  const otp = VERIFICATION_CODE_IN_TEXT.exec(entry.text)?.[1];
  const resetToken = RESET_TOKEN_IN_TEXT.exec(entry.text)?.[1];
  const revertToken = REVERT_TOKEN_IN_TEXT.exec(entry.text)?.[1];
  const cancelToken = CANCEL_TOKEN_IN_TEXT.exec(entry.text)?.[1];
  const notMeToken = NOT_ME_TOKEN_IN_TEXT.exec(entry.text)?.[1];
  const link = ACCOUNT_LINK_IN_TEXT.exec(entry.text)?.[0];
  return {
    id: entry.id,
    to: entry.to,
    subject: entry.subject,
    text: entry.text,
    created_at: entry.created_at,
    ...(otp ? { otp } : {}),
    ...(resetToken ? { reset_token: resetToken } : {}),
    ...(revertToken ? { revert_token: revertToken } : {}),
    ...(cancelToken ? { cancel_token: cancelToken } : {}),
    ...(notMeToken ? { not_me_token: notMeToken } : {}),
    ...(link ? { link } : {}),
  };
}

export const outbox: RouteHandler<typeof routes.outbox, AppEnv> = (c) => {
  const { limit } = c.req.valid("query");
  const entries = c.get("deps").devOutbox?.list(limit) ?? [];
  return c.json({ messages: entries.map(present) }, 200);
};

export const mfaCode: RouteHandler<typeof routes.mfaCode, AppEnv> = async (c) => {
  const code = await c.get("deps").mfa.currentCode(c.req.valid("query").email);
  if (!code) throw new AppError("not_found", "This address has no second factor");
  return c.json({ code }, 200);
};
