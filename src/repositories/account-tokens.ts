import { type ExpressionBuilder, sql } from "kysely";
import type { AccountTokenPurpose, DB, Executor } from "../db/schema.ts";

export interface NewAccountToken {
  userId: string;
  purpose: AccountTokenPurpose;
  tokenHash: string;
  hmacKeyId: string;
  previousEmail: string | null;
  expiresAt: Date;
  now: Date;
}

type Digests = { keyId: string; digest: string }[];

function matchesAny(digests: Digests) {
  return (eb: ExpressionBuilder<DB, "account_tokens">) =>
    eb.or(digests.map(({ keyId, digest }) => eb.and([eb("token_hash", "=", digest), eb("hmac_key_id", "=", keyId)])));
}

/**
 * Stores a token (its HMAC only); with `replace`, in place of the user's earlier ones of the same
 * purpose. Revert tokens are never replaced: each address an account left keeps its own way back.
 * `created_at` orders one user's tokens of a purpose: each is stamped at least a millisecond after
 * the last, even when instances' clocks disagree, so "issued after" (see retireAccountTokens) is
 * never ambiguous. The caller holds the user's row lock, so no two inserts race.
 */
export async function storeAccountToken(
  db: Executor,
  token: NewAccountToken,
  options: { replace: boolean },
): Promise<void> {
  if (options.replace) await deleteAccountTokens(db, token.userId, token.purpose);
  const after = sql<Date>`(select max(created_at) + interval '1 millisecond' from account_tokens
    where user_id = ${token.userId}::uuid and purpose = ${token.purpose})`;
  await db.insertInto("account_tokens").values({
    user_id: token.userId,
    purpose: token.purpose,
    token_hash: token.tokenHash,
    hmac_key_id: token.hmacKeyId,
    previous_email: token.previousEmail,
    expires_at: token.expiresAt,
    // greatest() skips the NULL of a user's first token
    created_at: sql<Date>`greatest(${token.now}::timestamptz, ${after})`,
  }).execute();
}

/** A used token: whose it was, the address it restores (revert tokens) and when it was issued. */
export interface UsedAccountToken {
  userId: string;
  previousEmail: string | null;
  issuedAt: Date;
}

/**
 * Marks a live token of the purpose and of this user used and returns it; undefined for an
 * unknown, used or expired token, or another user's. One conditional UPDATE: of concurrent
 * uses, one wins.
 */
export async function useAccountToken(
  db: Executor,
  purpose: AccountTokenPurpose,
  digests: Digests,
  userId: string,
  now: Date,
): Promise<UsedAccountToken | undefined> {
  const row = await db
    .updateTable("account_tokens")
    .set({ used_at: now })
    .where("purpose", "=", purpose)
    .where(matchesAny(digests))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning(["user_id", "previous_email", "created_at"])
    .executeTakeFirst();
  return row && { userId: row.user_id, previousEmail: row.previous_email, issuedAt: row.created_at };
}

/**
 * Marks the user's live tokens of a purpose used, so none works again; with `issuedAfter`, only
 * those issued strictly later. The rows stay until they expire (erasure finds the addresses they
 * were mailed to through them).
 */
export async function retireAccountTokens(
  db: Executor,
  userId: string,
  purpose: AccountTokenPurpose,
  now: Date,
  options: { issuedAfter?: Date } = {},
): Promise<void> {
  let update = db.updateTable("account_tokens").set({ used_at: now })
    .where("user_id", "=", userId)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null);
  if (options.issuedAfter) update = update.where("created_at", ">", options.issuedAfter);
  await update.execute();
}

/** Forgets the user's tokens of a purpose. */
export async function deleteAccountTokens(db: Executor, userId: string, purpose: AccountTokenPurpose): Promise<void> {
  await db.deleteFrom("account_tokens").where("user_id", "=", userId).where("purpose", "=", purpose).execute();
}

/** The user a live token of the purpose with one of these digests belongs to (a read; useAccountToken decides). */
export async function findLiveAccountToken(
  db: Executor,
  purpose: AccountTokenPurpose,
  digests: Digests,
  now: Date,
): Promise<{ userId: string } | undefined> {
  const row = await db
    .selectFrom("account_tokens")
    .select("user_id")
    .where("purpose", "=", purpose)
    .where(matchesAny(digests))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row && { userId: row.user_id };
}

/** The addresses the user's live revert tokens would restore (as stored; at most one per address). */
export async function revertableAddresses(db: Executor, userId: string, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("account_tokens")
    .select("previous_email")
    .distinctOn(sql`lower(trim(previous_email))`)
    .where("user_id", "=", userId)
    .where("purpose", "=", "email_change_revert")
    .where("previous_email", "is not", null)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy(sql`lower(trim(previous_email))`)
    .execute();
  return rows.flatMap((row) => row.previous_email ? [row.previous_email] : []);
}

/** Forgets one token of the user by its stored digest (a mail rewritten before it went out). */
export async function deleteAccountTokenByHash(
  db: Executor,
  userId: string,
  purpose: AccountTokenPurpose,
  tokenHash: string,
): Promise<void> {
  await db.deleteFrom("account_tokens").where("user_id", "=", userId).where("purpose", "=", purpose)
    .where("token_hash", "=", tokenHash).execute();
}
