import type { Transaction } from "kysely";
import type { DB } from "../../../db/schema.ts";
import type { MailTemplate, RenderedMail } from "../../../mail/templates.ts";
import { hasMailSince, insertOutboxMail } from "../../../repositories/mail-outbox.ts";
import type { AccountDeps } from "../account-deps.ts";

/** At most one mail of a kind per address in this window, however often it is asked for. */
export const MAIL_THROTTLE_MS = 60_000;

/** Queues a mail in the caller's transaction: it commits, or vanishes, with what it carries. */
export async function queueMail(trx: Transaction<DB>, mail: RenderedMail, now: Date): Promise<void> {
  await insertOutboxMail(trx, { ...mail, now });
}

/** Start of the throttle window that ends now. */
export function throttleStart(now: Date): Date {
  return new Date(now.getTime() - MAIL_THROTTLE_MS);
}

/** True when the address got a mail of this kind within the throttle window. */
export async function mailedRecently(
  trx: Transaction<DB>,
  to: string,
  template: MailTemplate,
  now: Date,
): Promise<boolean> {
  return await hasMailSince(trx, to, template, throttleStart(now));
}

/** When a verification code issued now expires (OTP_EXPIRATION_MINUTES). */
export function codeExpiry(deps: AccountDeps, now: Date): Date {
  return new Date(now.getTime() + deps.config.otpTtlMinutes * 60_000);
}
