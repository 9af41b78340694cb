import type { ExpressionBuilder } from "kysely";
import type { DB, Executor } from "../db/schema.ts";

/** A digest a stored token may have: under the key `keyId`, or (null) a SHA-256 from before key ids. */
export interface StoredTokenDigest {
  keyId: string | null;
  digest: string;
}

function matchesAny(digests: StoredTokenDigest[]) {
  return (eb: ExpressionBuilder<DB, "password_reset_tokens">) =>
    eb.or(
      digests.map(({ keyId, digest }) =>
        eb.and([eb("token_hash", "=", digest), eb("hmac_key_id", keyId === null ? "is" : "=", keyId)])
      ),
    );
}

/** Stores a new reset token (its hash only) after deleting the user's older ones. */
export async function replaceResetToken(
  db: Executor,
  token: { userId: string; tokenHash: string; hmacKeyId: string; expiresAt: Date; now: Date },
): Promise<void> {
  await deleteResetTokens(db, token.userId);
  await db
    .insertInto("password_reset_tokens")
    .values({
      user_id: token.userId,
      token_hash: token.tokenHash,
      hmac_key_id: token.hmacKeyId,
      expires_at: token.expiresAt,
      created_at: token.now,
    })
    .execute();
}

export async function deleteResetTokens(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("password_reset_tokens").where("user_id", "=", userId).execute();
}

/**
 * Marks a live token used and returns its user, or undefined for an unknown, used,
 * superseded or expired token. One conditional UPDATE: of concurrent uses, one wins.
 */
export async function useResetToken(
  db: Executor,
  digests: StoredTokenDigest[],
  now: Date,
): Promise<string | undefined> {
  const row = await db
    .updateTable("password_reset_tokens")
    .set({ used_at: now })
    .where(matchesAny(digests))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning("user_id")
    .executeTakeFirst();
  return row?.user_id;
}

/** True when the token exists, is unused and has not expired (a read; useResetToken decides). */
export async function findLiveResetToken(db: Executor, digests: StoredTokenDigest[], now: Date): Promise<boolean> {
  const row = await db
    .selectFrom("password_reset_tokens")
    .select("id")
    .where(matchesAny(digests))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}
