import type { Executor } from "../db/schema.ts";

export type Ceremony = "registration" | "signin" | "second_factor";

export interface NewWebauthnChallenge {
  id: string;
  challengeHash: string;
  ceremony: Ceremony;
  userId: string | null;
  mfaChallengeId: string | null;
  now: Date;
  expiresAt: Date;
}

export async function insertWebauthnChallenge(db: Executor, challenge: NewWebauthnChallenge): Promise<void> {
  await db.insertInto("webauthn_challenges").values({
    id: challenge.id,
    challenge_hash: challenge.challengeHash,
    ceremony: challenge.ceremony,
    user_id: challenge.userId,
    mfa_challenge_id: challenge.mfaChallengeId,
    created_at: challenge.now,
    expires_at: challenge.expiresAt,
  }).execute();
}

/**
 * Uses a live challenge of this ceremony up, in one statement (of two racing answers one
 * wins), and returns what it was bound to. A registration challenge is found only for the
 * account it was handed to, so another account's attempt neither uses nor learns it.
 */
export async function consumeWebauthnChallenge(
  db: Executor,
  lookup: { challengeHash: string; ceremony: Ceremony; userId?: string; now: Date },
): Promise<{ user_id: string | null; mfa_challenge_id: string | null } | undefined> {
  let query = db
    .updateTable("webauthn_challenges")
    .set({ used_at: lookup.now })
    .where("challenge_hash", "=", lookup.challengeHash)
    .where("ceremony", "=", lookup.ceremony)
    .where("used_at", "is", null)
    .where("expires_at", ">", lookup.now);
  if (lookup.userId !== undefined) query = query.where("user_id", "=", lookup.userId);
  return await query.returning(["user_id", "mfa_challenge_id"]).executeTakeFirst();
}
