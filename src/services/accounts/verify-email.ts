import { verificationCodeMail } from "../../mail/templates.ts";
import { spendOtpAttempts, type SpentCode } from "../../repositories/email-otps.ts";
import { applySignup, findSignupsToRemind, reissueCodes, type ReissuedCode } from "../../repositories/signups.ts";
import { lockUserByEmail, NO_USER } from "../../repositories/users.ts";
import { generateOtp, otpDigest, otpMatches } from "./otp.ts";
import type { AccountDeps } from "./account-deps.ts";
import { normalizeEmail } from "./email-address.ts";
import { codeExpiry, throttleStart } from "./verification-mail.ts";
import { withEvents } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import { AppError } from "../../errors.ts";
import type { RenderedMail } from "../../mail/templates.ts";

/** One error for wrong, expired, used, exhausted and superseded codes, and for unknown addresses. */
export function invalidOtpError(): AppError {
  return new AppError("invalid_otp", "The code is invalid or has expired; request a new one");
}

/**
 * The live code the submitted one matches, each compared in constant time under the key its
 * row names. With no live code one digest is still computed, so no path skips the HMAC.
 */
async function matchingCode(
  deps: AccountDeps,
  userId: string,
  otp: string,
  codes: readonly SpentCode[],
): Promise<SpentCode | undefined> {
  if (codes.length === 0) {
    await otpDigest(deps.config, userId, otp);
    return undefined;
  }
  let match: SpentCode | undefined;
  for (const code of codes) if (await otpMatches(deps.config, userId, otp, code) && !match) match = code;
  return match;
}

/**
 * Verifies an address with a code, applying the password and name of the sign-up the code
 * was mailed for. Each submission spends one attempt on every live code of the account
 * before comparing, so five wrong guesses (even concurrent ones) kill them all. Unknown and
 * already verified addresses run the same statements (lock, spend, record the failure) and
 * get the same invalid_otp, as slowly.
 */
export async function verifyEmail(
  deps: AccountDeps,
  input: { email: string; otp: string },
  meta: RequestMeta,
): Promise<void> {
  const now = deps.clock.now();
  const verified = await withEvents(deps, async (trx, record) => {
    const user = await lockUserByEmail(trx, normalizeEmail(input.email));
    const pending = user && !user.email_verified ? user : undefined;
    // The spent attempts commit either way: a wrong guess must count
    const spent = await spendOtpAttempts(trx, pending?.id ?? null, now);
    const match = await matchingCode(deps, pending?.id ?? NO_USER, input.otp, spent);
    if (!pending || !match) {
      await record({ userId: user?.id ?? null, type: "email_verification_failed", ...meta, at: now });
      return false;
    }
    await applySignup(trx, pending.id, match.signupId, now);
    await record({ userId: pending.id, type: "email_verified", ...meta, at: now });
    return true;
  });
  if (!verified) throw invalidOtpError();
}

/**
 * Sends a fresh code for each pending sign-up of an unverified account (the newest three),
 * killing the older codes; each mail names when its sign-up was made, so the owner can tell
 * theirs from a stranger's. Nothing is sent within a minute of the last code mail (at `now`,
 * when the request came), nor to unknown or verified addresses. Runs after the answer; every
 * case runs the same three statements (lock, read, write) and records the request.
 */
export async function resendEmailVerificationOtp(
  deps: AccountDeps,
  email: string,
  meta: RequestMeta,
  now: Date,
): Promise<void> {
  await withEvents(deps, async (trx, record) => {
    const user = await lockUserByEmail(trx, normalizeEmail(email));
    const pending = user && !user.email_verified ? user : undefined;
    const found = await findSignupsToRemind(
      trx,
      pending?.id ?? null,
      pending?.email ?? email.trim(),
      throttleStart(now),
    );
    const target = pending && !found.mailedRecently && found.signups.length > 0 ? pending : undefined;
    const codes: ReissuedCode[] = [];
    const mails: RenderedMail[] = [];
    for (const signup of target ? found.signups : []) {
      const code = generateOtp();
      const { keyId, digest } = await otpDigest(deps.config, target!.id, code);
      codes.push({ signupId: signup.id, codeHmac: digest, hmacKeyId: keyId });
      mails.push(verificationCodeMail(target!.email, code, deps.config.otpTtlMinutes, signup.createdAt));
    }
    // Nothing to send still computes one digest, so no path skips the HMAC's round trip to WebCrypto
    if (!target) await otpDigest(deps.config, NO_USER, generateOtp());
    const reissued = { userId: target?.id ?? null, codes, expiresAt: codeExpiry(deps, now), now };
    await record(
      { userId: user?.id ?? null, type: "email_verification_requested", ...meta, at: now },
      (trx, event) => reissueCodes(trx, reissued, mails, event),
    );
  });
}
