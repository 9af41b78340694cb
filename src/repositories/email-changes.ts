import type { Executor } from "../db/schema.ts";
import { MAX_OTP_ATTEMPTS } from "./email-otps.ts";

export interface NewEmailChange {
  userId: string;
  newEmail: string;
  newEmailNormalized: string;
  codeHmac: string;
  hmacKeyId: string;
  expiresAt: Date;
  now: Date;
}

/** Forgets the user's pending address changes (a new request, a deletion, a revert). */
export async function deleteEmailChanges(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("email_changes").where("user_id", "=", userId).execute();
}

/** Stores a change request (its code's HMAC only). */
export async function insertEmailChange(db: Executor, change: NewEmailChange): Promise<void> {
  await db.insertInto("email_changes").values({
    user_id: change.userId,
    new_email: change.newEmail,
    new_email_normalized: change.newEmailNormalized,
    code_hmac: change.codeHmac,
    hmac_key_id: change.hmacKeyId,
    expires_at: change.expiresAt,
    created_at: change.now,
  }).execute();
}

/** A live change request after an attempt was spent on it. */
export interface SpentEmailChange {
  id: string;
  newEmail: string;
  newEmailNormalized: string;
  codeHmac: string;
  keyId: string;
}

/**
 * Spends one attempt on the user's live change request (unexpired, unused, attempts left)
 * and returns it; the conditional increment is atomic, so concurrent guesses never spend
 * more than MAX_OTP_ATTEMPTS.
 */
export async function spendEmailChangeAttempt(
  db: Executor,
  userId: string,
  now: Date,
): Promise<SpentEmailChange | undefined> {
  const row = await db
    .updateTable("email_changes")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("user_id", "=", userId)
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now)
    .where("attempts", "<", MAX_OTP_ATTEMPTS)
    .returning(["id", "new_email", "new_email_normalized", "code_hmac", "hmac_key_id"])
    .executeTakeFirst();
  return row && {
    id: row.id,
    newEmail: row.new_email,
    newEmailNormalized: row.new_email_normalized,
    codeHmac: row.code_hmac,
    keyId: row.hmac_key_id,
  };
}

/** Uses the change request up. */
export async function consumeEmailChange(db: Executor, id: string, now: Date): Promise<void> {
  await db.updateTable("email_changes").set({ consumed_at: now }).where("id", "=", id).execute();
}
