import type { Executor } from "../db/schema.ts";
import { NO_USER } from "./users.ts";

/** Wrong guesses a code survives; the attempt that reaches the cap is the last one compared. */
export const MAX_OTP_ATTEMPTS = 5;

/** A live code after an attempt was spent on it. */
export interface SpentCode {
  codeHmac: string;
  /** The code key the HMAC was made under; null for rows from before key ids */
  keyId: string | null;
  signupId: string;
}

/**
 * Spends one attempt on every live code of the user (unexpired, unused, attempts left) and
 * returns them; none for no user. The conditional increment is atomic, so concurrent
 * guesses never spend more than MAX_OTP_ATTEMPTS on a code, and the row locks it takes
 * serialize concurrent verifications until the transaction ends.
 */
export async function spendOtpAttempts(db: Executor, userId: string | null, now: Date): Promise<SpentCode[]> {
  const rows = await db
    .updateTable("email_otps")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("user_id", "=", userId ?? NO_USER)
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now)
    .where("attempts", "<", MAX_OTP_ATTEMPTS)
    .returning(["code_hmac", "hmac_key_id", "signup_id"])
    .execute();
  return rows.map((row) => ({ codeHmac: row.code_hmac, keyId: row.hmac_key_id, signupId: row.signup_id }));
}
