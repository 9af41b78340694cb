import { signupAttemptMail, verificationCodeMail } from "../../../mail/templates.ts";
import { insertOutboxMailUnlessRecent } from "../../../repositories/mail-outbox.ts";
import { createOrLockUser, insertSignupWithCode } from "../../../repositories/signups.ts";
import type { AccountDeps } from "../account-deps.ts";
import { normalizeEmail } from "../email-address.ts";
import { generateOtp, otpDigest } from "./otp.ts";
import { codeExpiry, throttleStart } from "./verification-mail.ts";
import { withEvents } from "../../audit-trail.ts";
import { queueWebhookEvent } from "../../webhooks/security-event-hooks.ts";
import type { RequestMeta } from "../../identity.ts";

export interface SignupInput {
  email: string;
  password: string;
  name?: string;
}

/**
 * Registers an address, answering the same way whatever its state so sign-up cannot
 * reveal who has an account:
 * - new or registered but unverified: this sign-up is recorded with its password and name,
 *   and gets a code of its own by mail, naming when it was made. Verifying with that code
 *   applies this sign-up and no other, so whoever reads the mailbox decides which password
 *   the account gets; a later sign-up never kills or displaces an earlier one. The first
 *   MAX_PENDING_SIGNUPS sign-ups are kept; past them a sign-up is not recorded and the mailbox
 *   gets the "someone tried" notice, whose reset link claims the address (at most one a minute);
 * - registered and verified: a notice to the owner that someone tried (at most one a minute).
 * Every branch pays one bcrypt hash and one code digest, and runs two statements: one that
 * creates or locks the account, one that writes.
 */
export async function signup(deps: AccountDeps, input: SignupInput, meta: RequestMeta): Promise<void> {
  const email = input.email.trim();
  // Depends on the request alone, never on the account: refusing tells nothing about the address
  await deps.passwordPolicy.check(input.password, email, "password", input.name);
  const passwordHash = await deps.passwords.hash(input.password);
  const code = generateOtp();
  const now = deps.clock.now();
  await withEvents(deps, async (trx, record) => {
    const user = await createOrLockUser(trx, { email, emailNormalized: normalizeEmail(email), passwordHash, now });
    // Once per account: a repeated sign-up of an unverified address is audited again, announced never.
    // The statement runs on every branch (queueing only for a new account), so it times none apart
    await queueWebhookEvent(trx, { type: "user.created", userId: user.id, at: now, when: user.created });
    // Every branch pays the digest, as it pays the bcrypt hash
    const { keyId, digest: codeHmac } = await otpDigest(deps.config, user.id, code);
    if (user.email_verified) {
      await insertOutboxMailUnlessRecent(trx, { ...signupAttemptMail(user.email, deps.config.accountPagesUrl), now }, {
        since: throttleStart(now),
      });
      return;
    }
    const signup = {
      id: crypto.randomUUID(),
      userId: user.id,
      passwordHash,
      name: input.name ?? null,
      codeHmac,
      hmacKeyId: keyId,
      codeExpiresAt: codeExpiry(deps, now),
      now,
    };
    const mails = {
      code: verificationCodeMail(user.email, code, deps.config.otpTtlMinutes, now),
      // The address is full of earlier sign-ups: its owner claims it with a password reset
      full: signupAttemptMail(user.email, deps.config.accountPagesUrl),
      fullSince: throttleStart(now),
    };
    await record(
      { userId: user.id, type: "signup", ...meta, at: now },
      (trx, event) => insertSignupWithCode(trx, signup, mails, event),
    );
  });
}
