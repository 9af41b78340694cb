import { AppError, invalidTokenError } from "../../../errors.ts";
import {
  emailChangeCodeMail,
  emailChangedMail,
  emailChangeRequestedMail,
  emailChangeTakenMail,
} from "../../../mail/templates.ts";
import { storeAccountToken } from "../../../repositories/account-tokens.ts";
import {
  consumeEmailChange,
  deleteEmailChanges,
  insertEmailChange,
  spendEmailChangeAttempt,
} from "../../../repositories/email-changes.ts";
import { insertOutboxMailUnlessRecent } from "../../../repositories/mail-outbox.ts";
import { deleteResetTokens } from "../../../repositories/password-reset-tokens.ts";
import { deleteUnverifiedUser, findUserByEmail, lockUserById, updateEmail } from "../../../repositories/users.ts";
import { withEvents } from "../../audit-trail.ts";
import type { AuthContext, RequestMeta } from "../../identity.ts";
import { type CurrentUser, currentUserView } from "../../current-user.ts";
import type { AccountDeps } from "../account-deps.ts";
import { emailChangeDigest, emailChangeMatches, newAccountToken, REVERT_TOKEN_TTL_MS } from "./account-tokens.ts";
import { liveAccount, requireSensitiveProof } from "./current-password.ts";
import { normalizeEmail } from "../email-address.ts";
import { generateOtp } from "../signup/otp.ts";
import { codeExpiry, queueMail, throttleStart } from "../signup/verification-mail.ts";
import { invalidOtpError } from "../signup/verify-email.ts";

/** One error for unknown, used and expired revert and cancel tokens. */
export function invalidAccountTokenError(): AppError {
  return new AppError("invalid_account_token", "The token is invalid, used or expired");
}

/**
 * Checks the request before answering: the current password (counted against the session's
 * budget) and that the address is not already the account's. What depends on whether
 * the new address is taken runs after the answer (`issueEmailChange`), so neither the body nor
 * the time of the 202 tells.
 */
export async function checkEmailChangeRequest(
  deps: AccountDeps,
  auth: AuthContext,
  input: { current_password?: string; new_email: string; mfa_code?: string },
  meta: RequestMeta,
): Promise<string> {
  const user = await liveAccount(deps, auth.userId);
  await requireSensitiveProof(deps, user, auth, input, meta);
  if (normalizeEmail(input.new_email) === user.email_normalized) {
    throw new AppError("validation_failed", "The new address is the account's current one", {
      errors: [{ path: "new_email", message: "Is already the account's address" }],
    });
  }
  return user.id;
}

/**
 * After the answer, as of `now`: a free address gets a 6-digit code (stored as an HMAC bound to
 * the user and the address, OTP_EXPIRATION_MINUTES, 5 attempts, once) and replaces earlier
 * requests; a taken one gets a notice to its owner instead (at most one a minute). Either way the
 * current address gets a heads-up and the request is recorded.
 */
export async function issueEmailChange(
  deps: AccountDeps,
  userId: string,
  newEmail: string,
  meta: RequestMeta,
  now: Date,
): Promise<void> {
  const address = newEmail.trim();
  const normalized = normalizeEmail(address);
  const code = generateOtp();
  const { keyId, digest } = await emailChangeDigest(deps.config, userId, normalized, code);
  const pagesUrl = deps.config.accountPagesUrl;
  await withEvents(deps, async (trx, record) => {
    const user = await lockUserById(trx, userId);
    if (!user || user.deletion_due_at) return;
    await deleteEmailChanges(trx, userId);
    const holder = await findUserByEmail(trx, normalized);
    // An unverified sign-up never proved the address: it does not hold it against the code
    if (holder?.email_verified) {
      await insertOutboxMailUnlessRecent(trx, { ...emailChangeTakenMail(holder.email, pagesUrl), now }, {
        since: throttleStart(now),
      });
    } else {
      await insertEmailChange(trx, {
        userId,
        newEmail: address,
        newEmailNormalized: normalized,
        codeHmac: digest,
        hmacKeyId: keyId,
        expiresAt: codeExpiry(deps, now),
        now,
      });
      await queueMail(trx, emailChangeCodeMail(address, code, deps.config.otpTtlMinutes), now);
    }
    await queueMail(trx, emailChangeRequestedMail(user.email, user.name, pagesUrl), now);
    await record({ userId, type: "email_change_requested", ...meta, at: now });
  });
}

/**
 * Switches the account to the address its live change request was mailed to, when the code
 * matches. Each submission spends an attempt first (committed even when wrong), so five wrong
 * codes kill the request. The address counts as verified (the code proved it); reset tokens
 * mailed to the old address die; the old address gets a single-use token that undoes the change
 * for 7 days.
 */
export async function confirmEmailChange(
  deps: AccountDeps,
  auth: AuthContext,
  otp: string,
  meta: RequestMeta,
): Promise<CurrentUser> {
  const now = deps.clock.now();
  const revert = await newAccountToken(deps.config);
  const outcome = await withEvents(deps, async (trx, record) => {
    const user = await lockUserById(trx, auth.userId);
    if (!user || user.deletion_due_at) return "gone" as const;
    const change = await spendEmailChangeAttempt(trx, user.id, now);
    const matches = change
      ? await emailChangeMatches(deps.config, user.id, change.newEmailNormalized, otp, change)
      : false;
    const holder = change && matches ? await findUserByEmail(trx, change.newEmailNormalized) : undefined;
    // The code just proved the mailbox: an unverified sign-up of the address gives way
    if (holder && !holder.email_verified) await deleteUnverifiedUser(trx, holder.id);
    const taken = holder?.email_verified ? holder : undefined;
    if (!change || !matches || taken) {
      // A race lost to a sign-up of the same address ends the request like a used code
      if (change && matches) await consumeEmailChange(trx, change.id, now);
      await record({ userId: user.id, type: "email_verification_failed", ...meta, at: now });
      return "invalid" as const;
    }
    await consumeEmailChange(trx, change.id, now);
    const profile = await updateEmail(trx, user.id, {
      email: change.newEmail,
      emailNormalized: change.newEmailNormalized,
    }, now);
    await deleteResetTokens(trx, user.id);
    await storeAccountToken(trx, {
      userId: user.id,
      purpose: "email_change_revert",
      tokenHash: revert.tokenHash,
      hmacKeyId: revert.keyId,
      previousEmail: user.email,
      expiresAt: new Date(now.getTime() + REVERT_TOKEN_TTL_MS),
      now,
    }, { replace: false });
    await queueMail(
      trx,
      emailChangedMail(user.email, user.name, change.newEmail, deps.config.accountPagesUrl, revert.token),
      now,
    );
    await record({ userId: user.id, type: "email_changed", ...meta, at: now });
    return profile;
  });
  if (outcome === "gone") throw invalidTokenError();
  if (outcome === "invalid") throw invalidOtpError();
  return currentUserView(outcome);
}
