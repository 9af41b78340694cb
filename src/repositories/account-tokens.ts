import type { AccountTokenPurpose, Executor } from "../db/schema.ts";

export interface NewAccountToken {
  userId: string;
  purpose: AccountTokenPurpose;
  tokenHash: string;
  hmacKeyId: string;
  previousEmail: string | null;
  expiresAt: Date;
  now: Date;
}

/**
 * Stores a token (its HMAC only); with `replace`, in place of the user's earlier ones of the same
 * purpose. Revert tokens are never replaced: each address an account left keeps its own way back.
 */
export async function storeAccountToken(
  db: Executor,
  token: NewAccountToken,
  options: { replace: boolean },
): Promise<void> {
  if (options.replace) await deleteAccountTokens(db, token.userId, token.purpose);
  await db.insertInto("account_tokens").values({
    user_id: token.userId,
    purpose: token.purpose,
    token_hash: token.tokenHash,
    hmac_key_id: token.hmacKeyId,
    previous_email: token.previousEmail,
    expires_at: token.expiresAt,
    created_at: token.now,
  }).execute();
}

/**
 * Marks a live token of the purpose used and returns its user and previous address; undefined
 * for an unknown, used or expired token. One conditional UPDATE: of concurrent uses, one wins.
 */
export async function useAccountToken(
  db: Executor,
  purpose: AccountTokenPurpose,
  digests: { keyId: string; digest: string }[],
  now: Date,
): Promise<{ userId: string; previousEmail: string | null } | undefined> {
  const row = await db
    .updateTable("account_tokens")
    .set({ used_at: now })
    .where("purpose", "=", purpose)
    .where((eb) =>
      eb.or(digests.map(({ keyId, digest }) => eb.and([eb("token_hash", "=", digest), eb("hmac_key_id", "=", keyId)])))
    )
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning(["user_id", "previous_email"])
    .executeTakeFirst();
  return row && { userId: row.user_id, previousEmail: row.previous_email };
}

/** Forgets the user's tokens of a purpose. */
export async function deleteAccountTokens(db: Executor, userId: string, purpose: AccountTokenPurpose): Promise<void> {
  await db.deleteFrom("account_tokens").where("user_id", "=", userId).where("purpose", "=", purpose).execute();
}

/** True when a live token of the purpose has one of these digests (a read; useAccountToken decides). */
export async function findLiveAccountToken(
  db: Executor,
  purpose: AccountTokenPurpose,
  digests: { keyId: string; digest: string }[],
  now: Date,
): Promise<boolean> {
  const row = await db
    .selectFrom("account_tokens")
    .select("id")
    .where("purpose", "=", purpose)
    .where((eb) =>
      eb.or(digests.map(({ keyId, digest }) => eb.and([eb("token_hash", "=", digest), eb("hmac_key_id", "=", keyId)])))
    )
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}
