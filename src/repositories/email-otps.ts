import type { Executor } from "../db/schema.ts";

/** Wrong guesses a code survives; the attempt that reaches the cap is the last one compared. */
export const MAX_OTP_ATTEMPTS = 5;

export async function insertEmailOtp(
  db: Executor,
  otp: { userId: string; codeHmac: string; hmacKeyId: string; expiresAt: Date; now: Date },
): Promise<void> {
  await db
    .insertInto("email_otps")
    .values({
      user_id: otp.userId,
      code_hmac: otp.codeHmac,
      hmac_key_id: otp.hmacKeyId,
      expires_at: otp.expiresAt,
      created_at: otp.now,
    })
    .execute();
}

/** Kills every code of the user that is still usable (resend, successful verification). */
export async function killEmailOtps(db: Executor, userId: string, now: Date): Promise<void> {
  await db
    .updateTable("email_otps")
    .set({ consumed_at: now })
    .where("user_id", "=", userId)
    .where("consumed_at", "is", null)
    .execute();
}

/**
 * Spends one attempt on the user's live code and returns its HMAC, or undefined when no
 * code is live (none, expired, consumed, or out of attempts). The conditional increment is
 * atomic, so concurrent guesses can never spend more than MAX_OTP_ATTEMPTS, and the row
 * lock it takes serializes concurrent verifications until the transaction ends.
 */
export async function spendOtpAttempt(
  db: Executor,
  userId: string,
  now: Date,
): Promise<{ id: string; codeHmac: string; keyId: string | null } | undefined> {
  const row = await db
    .updateTable("email_otps")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("user_id", "=", userId)
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now)
    .where("attempts", "<", MAX_OTP_ATTEMPTS)
    .returning(["id", "code_hmac", "hmac_key_id"])
    .executeTakeFirst();
  return row && { id: row.id, codeHmac: row.code_hmac, keyId: row.hmac_key_id };
}
