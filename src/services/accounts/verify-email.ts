import { killEmailOtps, spendOtpAttempt } from "../../repositories/email-otps.ts";
import { recordSecurityEvent } from "../../repositories/security-events.ts";
import { lockUserByEmail, markEmailVerified } from "../../repositories/users.ts";
import { otpMatches } from "./otp.ts";
import type { AccountDeps } from "./account-deps.ts";
import { normalizeEmail } from "./email-address.ts";
import { sendVerificationCode } from "./verification-mail.ts";
import type { RequestMeta } from "../request-meta.ts";
import { AppError } from "../../errors.ts";

/** One error for wrong, expired, used, exhausted and superseded codes, and for unknown addresses. */
export function invalidOtpError(): AppError {
  return new AppError("invalid_otp", "The code is invalid or has expired; request a new one");
}

/**
 * Verifies an address with its code. Each submission spends one of the code's attempts
 * before it is compared, so five wrong guesses (even concurrent ones) kill the code. An
 * already verified account has no live code and gets invalid_otp like anyone else.
 */
export async function verifyEmail(
  deps: AccountDeps,
  input: { email: string; otp: string },
  meta: RequestMeta,
): Promise<void> {
  const now = deps.clock.now();
  const verified = await deps.db.transaction().execute(async (trx) => {
    const user = await lockUserByEmail(trx, normalizeEmail(input.email));
    if (!user || user.email_verified) return false;
    const live = await spendOtpAttempt(trx, user.id, now);
    // The spent attempt commits either way: a wrong guess must count
    if (!live || !await otpMatches(deps.config, user.id, input.otp, live)) return false;
    await killEmailOtps(trx, user.id, now);
    await markEmailVerified(trx, user.id, now);
    await recordSecurityEvent(trx, { userId: user.id, type: "email_verified", ...meta, at: now });
    return true;
  });
  if (!verified) throw invalidOtpError();
}

/**
 * Sends a new code to an unverified account, killing the old ones; does nothing for
 * unknown or verified addresses, or within a minute of the last code. The caller answers
 * the same in every case.
 */
export async function resendEmailVerificationOtp(deps: AccountDeps, email: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const user = await lockUserByEmail(trx, normalizeEmail(email));
    if (user && !user.email_verified) await sendVerificationCode(deps, trx, user, now);
  });
}
