import { passwordChangedMail, passwordResetLink, passwordResetMail } from "../../../mail/templates.ts";
import { findLiveResetToken, issueResetToken, useResetToken } from "../../../repositories/password-reset-tokens.ts";
import { deletePendingSignups } from "../../../repositories/signups.ts";
import { lockUserByEmail, lockUserById, markEmailVerified, updatePasswordHash } from "../../../repositories/users.ts";
import { newResetToken, RESET_TOKEN_TTL_MS, resetTokenDigests } from "./reset-tokens.ts";
import type { AccountDeps } from "../account-deps.ts";
import { normalizeEmail } from "../email-address.ts";
import { mailedRecently, queueMail } from "../signup/verification-mail.ts";
import { withEvents } from "../../audit-trail.ts";
import { deletePasskeysAddedSince } from "../../../repositories/passkeys.ts";
import { RECENT_FACTOR_MS } from "../settings/report-not-me.ts";
import type { RequestMeta } from "../../identity.ts";
import { AppError } from "../../../errors.ts";

/** One error for unknown, expired, used and superseded tokens. */
export function invalidResetTokenError(): AppError {
  return new AppError("invalid_reset_token", "The reset token is invalid or has expired; request a new one");
}

/**
 * Mails a single-use reset link to an existing account; unknown addresses get nothing and
 * the caller answers the same. The link is built from configuration only: a Host or
 * X-Forwarded-Host header must never choose where the token is sent. The database keeps
 * only the token's HMAC (and the key's id), and the new token kills older ones. Like codes, an address gets
 * at most one reset mail a minute (the earlier link stays valid), so nobody can flood it.
 * Runs after the answer, as of `now` (when the request came); known, unknown and throttled
 * addresses run the same three statements (lock, throttle check, one write that always
 * records the request). The greeting names the account only once its address is proven.
 */
export async function requestPasswordReset(
  deps: AccountDeps,
  email: string,
  meta: RequestMeta,
  now: Date,
): Promise<void> {
  const { token, tokenHash, keyId } = await newResetToken(deps.config);
  const link = passwordResetLink(deps.config.accountPagesUrl, token);
  await withEvents(deps, async (trx, record) => {
    const user = await lockUserByEmail(trx, normalizeEmail(email));
    const throttled = await mailedRecently(trx, user?.email ?? email.trim(), "password_reset", now);
    const target = user && !throttled ? user : undefined;
    const mails = target
      ? [passwordResetMail(target.email, target.email_verified ? target.name : null, link, token)]
      : [];
    const issued = {
      userId: target?.id ?? null,
      tokenHash,
      hmacKeyId: keyId,
      expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
      now,
    };
    await record(
      { userId: user?.id ?? null, type: "password_reset_requested", ...meta, at: now },
      (trx, event) => issueResetToken(trx, issued, mails, event),
    );
  });
}

/**
 * Sets a new password with a reset token, in one transaction: uses the token up, stores
 * the hash, revokes every session (bumping the token version), and queues a notice. The
 * link proves control of the mailbox, so the address counts as verified afterwards.
 */
export async function resetPassword(
  deps: AccountDeps,
  input: { token: string; new_password: string },
  meta: RequestMeta,
): Promise<void> {
  const digests = await resetTokenDigests(deps.config, input.token);
  // Cheap check first, so a guessed token costs no bcrypt; the UPDATE below decides races
  const owner = await findLiveResetToken(deps.db, digests, deps.clock.now());
  if (!owner) throw invalidResetTokenError();
  // Before the token is used: a refused password leaves the link working for a better one
  await deps.passwordPolicy.check(input.new_password, owner.email, "new_password", owner.name);
  const passwordHash = await deps.passwords.hash(input.new_password);

  const now = deps.clock.now();
  const announce = await withEvents(deps, async (trx, record) => {
    // The user's row first, as a revert takes it: a revert that committed meanwhile has replaced
    // every reset token (so this one is refused), one that waits sees this reset's outcome
    const user = await lockUserById(trx, owner.userId);
    if (!user || user.deletion_due_at) return undefined;
    if (!await useResetToken(trx, digests, user.id, now)) return undefined;
    await updatePasswordHash(trx, user.id, passwordHash, now);
    await markEmailVerified(trx, user.id, now);
    // The link proved the mailbox: the pending sign-ups (strangers' passwords among them) are moot
    await deletePendingSignups(trx, user.id);
    const announce = await deps.sessions.revokeAllSessions(user.id, "password_reset", trx);
    // A passkey signs in without the password: one added lately may be the work of whoever knew
    // the old password, and would outlive this reset. Older ones stay, as a factor does
    const recently = new Date(now.getTime() - RECENT_FACTOR_MS);
    if (await deletePasskeysAddedSince(trx, user.id, recently) > 0) {
      await record({ userId: user.id, type: "passkey_removed", ...meta, at: now });
    }
    await queueMail(trx, passwordChangedMail(user.email, user.name), now);
    await record({ userId: user.id, type: "password_reset", ...meta, at: now });
    return announce;
  });
  if (!announce) throw invalidResetTokenError();
  await announce();
}
