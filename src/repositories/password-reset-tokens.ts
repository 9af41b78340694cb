import { type ExpressionBuilder, sql, type Transaction } from "kysely";
import type { DB, Executor } from "../db/schema.ts";
import { insertOutboxMails, type NewOutboxMail } from "./mail-outbox.ts";
import { insertSecurityEvent, type NewSecurityEvent } from "./security-events.ts";

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

/**
 * Stores a new reset token (its hash only) in place of the user's older ones, with its mail
 * and the request's event, in one statement. With no user (unknown or throttled address)
 * only the event is written: the statement, and its flushing commit, are the same.
 */
export async function issueResetToken(
  trx: Transaction<DB>,
  token: { userId: string | null; tokenHash: string; hmacKeyId: string; expiresAt: Date; now: Date },
  mails: readonly Omit<NewOutboxMail, "now">[],
  event: NewSecurityEvent,
): Promise<void> {
  const { userId, now } = token;
  await sql`
    with replaced as (
      delete from password_reset_tokens where user_id = ${userId}::uuid
    ), token as (
      insert into password_reset_tokens (user_id, token_hash, hmac_key_id, expires_at, created_at)
      select ${userId}::uuid, ${token.tokenHash}, ${token.hmacKeyId}, ${token.expiresAt}::timestamptz, ${now}::timestamptz
      where ${userId}::uuid is not null
    ), mail as (${insertOutboxMails(mails, now)})
    ${insertSecurityEvent(event)}`.execute(trx);
}

/**
 * Marks a live token of this user used; false for an unknown, used, superseded or expired
 * token, or another user's. One conditional UPDATE: of concurrent uses, one wins.
 */
export async function useResetToken(
  db: Executor,
  digests: StoredTokenDigest[],
  userId: string,
  now: Date,
): Promise<boolean> {
  const row = await db
    .updateTable("password_reset_tokens")
    .set({ used_at: now })
    .where(matchesAny(digests))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The account (id, address and name) a live token (unused, unexpired) belongs to, or undefined;
 * a read, useResetToken decides.
 */
export async function findLiveResetToken(
  db: Executor,
  digests: StoredTokenDigest[],
  now: Date,
): Promise<{ userId: string; email: string; name: string | null } | undefined> {
  return await db
    .selectFrom("password_reset_tokens")
    .innerJoin("users", "users.id", "password_reset_tokens.user_id")
    .select(["users.id as userId", "users.email", "users.name"])
    .where(matchesAny(digests))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
}

/** Forgets the user's reset tokens (their address changed, or the account is going away). */
export async function deleteResetTokens(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("password_reset_tokens").where("user_id", "=", userId).execute();
}
