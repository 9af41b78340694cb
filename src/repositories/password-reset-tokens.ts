import type { Executor } from "../db/schema.ts";

/** Stores a new reset token (its hash only) after deleting the user's older ones. */
export async function replaceResetToken(
  db: Executor,
  token: { userId: string; tokenHash: string; expiresAt: Date; now: Date },
): Promise<void> {
  await deleteResetTokens(db, token.userId);
  await db
    .insertInto("password_reset_tokens")
    .values({ user_id: token.userId, token_hash: token.tokenHash, expires_at: token.expiresAt, created_at: token.now })
    .execute();
}

export async function deleteResetTokens(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("password_reset_tokens").where("user_id", "=", userId).execute();
}

/**
 * Marks a live token used and returns its user, or undefined for an unknown, used,
 * superseded or expired token. One conditional UPDATE: of concurrent uses, one wins.
 */
export async function useResetToken(db: Executor, tokenHash: string, now: Date): Promise<string | undefined> {
  const row = await db
    .updateTable("password_reset_tokens")
    .set({ used_at: now })
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning("user_id")
    .executeTakeFirst();
  return row?.user_id;
}

/** True when the token exists, is unused and has not expired (a read; useResetToken decides). */
export async function findLiveResetToken(db: Executor, tokenHash: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom("password_reset_tokens")
    .select("id")
    .where("token_hash", "=", tokenHash)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}
