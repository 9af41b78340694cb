import { sql, type Transaction } from "kysely";
import type { DB, Executor } from "../db/schema.ts";
import { insertOutboxMails, type NewOutboxMail } from "./mail-outbox.ts";
import { insertSecurityEvent, type NewSecurityEvent } from "./security-events.ts";

/**
 * Stores a new reset token (its hash only) in place of the user's older ones, with its mail
 * and the request's event, in one statement. With no user (unknown or throttled address)
 * only the event is written: the statement, and its flushing commit, are the same.
 */
export async function issueResetToken(
  trx: Transaction<DB>,
  token: { userId: string | null; tokenHash: string; expiresAt: Date; now: Date },
  mails: readonly Omit<NewOutboxMail, "now">[],
  event: NewSecurityEvent,
): Promise<void> {
  const { userId, now } = token;
  await sql`
    with replaced as (
      delete from password_reset_tokens where user_id = ${userId}::uuid
    ), token as (
      insert into password_reset_tokens (user_id, token_hash, expires_at, created_at)
      select ${userId}::uuid, ${token.tokenHash}, ${token.expiresAt}::timestamptz, ${now}::timestamptz
      where ${userId}::uuid is not null
    ), mail as (${insertOutboxMails(mails, now)})
    ${insertSecurityEvent(event)}`.execute(trx);
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
