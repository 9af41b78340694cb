import type { Executor } from "../db/schema.ts";

/** Most wrong codes one challenge takes; the next submission finds it dead. */
export const MFA_CHALLENGE_MAX_ATTEMPTS = 5;

export interface NewMfaChallenge {
  id: string;
  userId: string;
  tokenHash: string;
  tokenVersion: number;
  deviceKnown: boolean;
  now: Date;
  expiresAt: Date;
  /** `pwd`, or `hwk`/`swk` for a passkey without user verification */
  firstFactor?: string;
}

export async function insertMfaChallenge(db: Executor, challenge: NewMfaChallenge): Promise<void> {
  await db
    .insertInto("mfa_challenges")
    .values({
      id: challenge.id,
      user_id: challenge.userId,
      token_hash: challenge.tokenHash,
      token_version: challenge.tokenVersion,
      device_known: challenge.deviceKnown,
      created_at: challenge.now,
      expires_at: challenge.expiresAt,
      first_factor: challenge.firstFactor ?? "pwd",
    })
    .execute();
}

/**
 * The live challenge with this token hash and its account, when the account's token version
 * is still the one of the sign-in (no password change or reset since).
 */
export async function findLiveMfaChallenge(db: Executor, tokenHash: string, now: Date) {
  return await db
    .selectFrom("mfa_challenges")
    .innerJoin("users", "users.id", "mfa_challenges.user_id")
    .select([
      "mfa_challenges.id",
      "mfa_challenges.user_id",
      "mfa_challenges.first_factor",
      "mfa_challenges.device_known",
      "users.token_version",
      "users.email",
      "users.email_normalized",
      "users.name",
    ])
    .where("mfa_challenges.token_hash", "=", tokenHash)
    .where("mfa_challenges.used_at", "is", null)
    .where("mfa_challenges.expires_at", ">", now)
    .where("mfa_challenges.attempts", "<", MFA_CHALLENGE_MAX_ATTEMPTS)
    .whereRef("mfa_challenges.token_version", "=", "users.token_version")
    .executeTakeFirst();
}

/** Uses the challenge up, in one statement: of two racing verifications, one wins. */
export async function consumeMfaChallenge(db: Executor, id: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable("mfa_challenges")
    .set({ used_at: now })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .where("attempts", "<", MFA_CHALLENGE_MAX_ATTEMPTS)
    .returning("id")
    .executeTakeFirst();
  return Boolean(row);
}

/** Counts a wrong code against the challenge. */
export async function countMfaChallengeFailure(db: Executor, id: string): Promise<void> {
  await db.updateTable("mfa_challenges").set((eb) => ({ attempts: eb("attempts", "+", 1) })).where("id", "=", id)
    .execute();
}
