import type { Transaction } from "kysely";
import type { DB, UserRow } from "../../db/schema.ts";
import type { MailTemplate, RenderedMail } from "../../mail/templates.ts";
import { verificationCodeMail } from "../../mail/templates.ts";
import { insertEmailOtp, killEmailOtps } from "../../repositories/email-otps.ts";
import { hasMailSince, insertOutboxMail } from "../../repositories/mail-outbox.ts";
import { generateOtp, otpDigest } from "./otp.ts";
import type { AccountDeps } from "./account-deps.ts";

/** At most one mail of a kind per address in this window, however often it is asked for. */
export const MAIL_THROTTLE_MS = 60_000;

/** Queues a mail in the caller's transaction: it commits, or vanishes, with what it carries. */
export async function queueMail(trx: Transaction<DB>, mail: RenderedMail, now: Date): Promise<void> {
  await insertOutboxMail(trx, { ...mail, now });
}

/** True when the address got a mail of this kind within the throttle window. */
export async function mailedRecently(
  trx: Transaction<DB>,
  to: string,
  template: MailTemplate,
  now: Date,
): Promise<boolean> {
  return await hasMailSince(trx, to, template, new Date(now.getTime() - MAIL_THROTTLE_MS));
}

/**
 * Replaces the user's codes with a fresh one and queues it, unless a code went out within
 * the throttle window (then the live code stands and nothing is sent). The caller holds
 * the user's row lock, so concurrent requests cannot both pass the throttle.
 */
export async function sendVerificationCode(
  deps: AccountDeps,
  trx: Transaction<DB>,
  user: UserRow,
  now: Date,
): Promise<void> {
  if (await mailedRecently(trx, user.email, "verification_code", now)) return;
  const ttlMinutes = deps.config.otpTtlMinutes;
  const code = generateOtp();
  const { keyId, digest } = await otpDigest(deps.config, user.id, code);
  await killEmailOtps(trx, user.id, now);
  await insertEmailOtp(trx, {
    userId: user.id,
    codeHmac: digest,
    hmacKeyId: keyId,
    expiresAt: new Date(now.getTime() + ttlMinutes * 60_000),
    now,
  });
  await queueMail(trx, verificationCodeMail(user.email, user.name, code, ttlMinutes), now);
}
