import type { UserRow } from "../../db/schema.ts";
import { AppError, invalidTokenError } from "../../errors.ts";
import { findUserById } from "../../repositories/users.ts";
import { recordEvent } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import type { AccountDeps } from "./account-deps.ts";
import { verifyAndUpgrade } from "./password-upgrade.ts";
import {
  CURRENT_PASSWORD_SESSION_POLICY,
  currentPasswordSessionRule,
  giveBackAttempt,
  takeAttempt,
} from "./signin-limits.ts";

/** The signed-in user's live account; a token whose account is gone or waiting for erasure is a 401. */
export async function liveAccount(deps: AccountDeps, userId: string): Promise<UserRow> {
  const user = await findUserById(deps.db, userId);
  if (!user || user.deletion_due_at) throw invalidTokenError();
  return user;
}

/**
 * Checks the password a sensitive request re-states. It spends the session's own budget
 * (`current_password_session`, as many failures an hour as the account's sign-in budget)
 * before bcrypt runs: a stolen access token guesses the password no faster than a stranger at
 * the sign-in form, and strangers who spent the account's sign-in budget cannot stop the
 * signed-in owner. The right password gives the attempt back. A wrong one is recorded and
 * refused with 400 `invalid_current_password`.
 */
export async function checkCurrentPassword(
  deps: AccountDeps,
  user: UserRow,
  sessionId: string,
  password: string,
  meta: RequestMeta,
): Promise<void> {
  const attempt = await takeAttempt(deps, {
    policy: CURRENT_PASSWORD_SESSION_POLICY,
    rule: currentPasswordSessionRule(deps.config.rateLimit.perMinute),
    subject: sessionId,
  });
  if (await verifyAndUpgrade(deps, password, user)) return await giveBackAttempt(deps, attempt);
  await recordEvent(deps, {
    userId: user.id,
    type: "current_password_failed",
    ...meta,
    at: deps.clock.now(),
  });
  throw new AppError("invalid_current_password", "The current password is incorrect", {
    errors: [{ path: "current_password", message: "Does not match the account's password" }],
  });
}
