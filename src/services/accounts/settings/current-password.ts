import type { UserRow } from "../../../db/schema.ts";
import { AppError, invalidTokenError } from "../../../errors.ts";
import { findUserById } from "../../../repositories/users.ts";
import { recordEvent } from "../../audit-trail.ts";
import type { AuthContext, RequestMeta } from "../../identity.ts";
import type { AccountDeps, SensitiveProof } from "../account-deps.ts";
import { verifyAndUpgrade } from "../credentials/password-upgrade.ts";
import {
  CURRENT_PASSWORD_SESSION_POLICY,
  currentPasswordSessionRule,
  giveBackAttempt,
  takeAttempt,
} from "../credentials/signin-limits.ts";

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

/** Neither a password nor a token fresh enough: the client asks the user and sends the password, or reauthenticates. */
export function reauthenticationRequiredError(): AppError {
  return new AppError(
    "reauthentication_required",
    "Send current_password (and mfa_code when a second factor is on), or sign in again first",
  );
}

/**
 * The proof a sensitive account change asks for, the one the second factor's routes ask for too
 * (services/mfa/proof.ts): the password (plus a code while a factor is on), or an access token
 * proven less than 5 minutes ago. Without that service nothing can tell a token's level, so only
 * the password is taken.
 */
export async function requireSensitiveProof(
  deps: AccountDeps,
  user: UserRow,
  auth: AuthContext,
  proof: SensitiveProof,
  meta: RequestMeta,
): Promise<void> {
  if (deps.secondFactor) return await deps.secondFactor.requireProof(user, auth, proof, meta);
  if (proof.current_password === undefined) throw reauthenticationRequiredError();
  await checkCurrentPassword(deps, user, auth.sessionId, proof.current_password, meta);
}
