import { signupAttemptMail } from "../../mail/templates.ts";
import { recordSecurityEvent } from "../../repositories/security-events.ts";
import { insertUserIfAbsent, lockUserByEmail } from "../../repositories/users.ts";
import type { AccountDeps } from "./account-deps.ts";
import { normalizeEmail } from "./email-address.ts";
import { mailedRecently, queueMail, sendVerificationCode } from "./verification-mail.ts";
import type { RequestMeta } from "../request-meta.ts";

export interface SignupInput {
  email: string;
  password: string;
  name?: string;
}

/**
 * Registers an address, answering the same way whatever its state so sign-up cannot
 * reveal who has an account:
 * - new: an unverified account and a 6-digit code by mail;
 * - registered but unverified: a fresh code (the stored password and name stay: a second
 *   sign-up must not let anyone take over an account its owner is about to verify);
 * - registered and verified: a notice to the owner that someone tried.
 * Every branch pays one bcrypt hash, so timing tells them apart no better than the body.
 */
export async function signup(deps: AccountDeps, input: SignupInput, meta: RequestMeta): Promise<void> {
  const email = input.email.trim();
  const emailNormalized = normalizeEmail(email);
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const created = await insertUserIfAbsent(trx, {
      email,
      email_normalized: emailNormalized,
      name: input.name ?? null,
      password_hash: passwordHash,
      created_at: now,
      updated_at: now,
    });
    if (created) {
      await sendVerificationCode(deps, trx, created, now);
      await recordSecurityEvent(trx, { userId: created.id, type: "signup", ...meta, at: now });
      return;
    }
    const existing = await lockUserByEmail(trx, emailNormalized);
    if (!existing) return;
    if (!existing.email_verified) {
      await sendVerificationCode(deps, trx, existing, now);
    } else if (!await mailedRecently(trx, existing.email, "signup_attempt", now)) {
      await queueMail(trx, signupAttemptMail(existing.email, existing.name, deps.config.appUrl), now);
    }
  });
}
