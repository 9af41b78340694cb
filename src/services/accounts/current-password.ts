import type { UserRow } from "../../db/schema.ts";
import { AppError, invalidTokenError } from "../../errors.ts";
import { findUserById } from "../../repositories/users.ts";
import { recordEvent } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import type { AccountDeps } from "./account-deps.ts";
import { countAttempt } from "./signin.ts";

/** The signed-in user's live account; a token whose account is gone or waiting for erasure is a 401. */
export async function liveAccount(deps: AccountDeps, userId: string): Promise<UserRow> {
  const user = await findUserById(deps.db, userId);
  if (!user || user.deletion_due_at) throw invalidTokenError();
  return user;
}

/**
 * Checks the password a sensitive request re-states. It counts against the account's sign-in
 * budget (`signin_account`) before bcrypt runs, as a sign-in without a known device does: a
 * stolen access token guesses the password no faster than a stranger at the sign-in form. A
 * wrong one is recorded and refused with 400 `invalid_current_password`.
 */
export async function checkCurrentPassword(
  deps: AccountDeps,
  user: UserRow,
  password: string,
  meta: RequestMeta,
): Promise<void> {
  await countAttempt(deps, user.email_normalized, { user, deviceId: null });
  if (await deps.passwords.verify(password, user.password_hash)) return;
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
