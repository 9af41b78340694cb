import { sql, type Transaction } from "kysely";
import type { DB, Executor } from "../db/schema.ts";
import type { NewOutboxMail } from "./mail-outbox.ts";

/** One account's digest: when the next mail may go, and the mail still waiting that notices join. */
export interface ActivityDigest {
  nextMailAt: Date;
  openMailId: string | null;
  openTokenHash: string | null;
  /** What the open mail tells (its shape belongs to the caller) */
  notices: unknown;
}

/**
 * The account's digest, locked for the rest of the transaction (created on first use, due at
 * `now`), so two notices of one account are queued one after the other.
 */
export async function lockActivityDigest(trx: Transaction<DB>, userId: string, now: Date): Promise<ActivityDigest> {
  await trx.insertInto("activity_digests").values({
    user_id: userId,
    next_mail_at: now,
    notices: sql<string>`'{}'::jsonb`,
  })
    .onConflict((oc) => oc.column("user_id").doNothing()).execute();
  const row = await trx.selectFrom("activity_digests").selectAll().where("user_id", "=", userId).forUpdate()
    .executeTakeFirstOrThrow();
  return {
    nextMailAt: row.next_mail_at,
    openMailId: row.open_mail_id,
    openTokenHash: row.open_token_hash,
    notices: row.notices,
  };
}

export async function saveActivityDigest(db: Executor, userId: string, digest: ActivityDigest): Promise<void> {
  await db.updateTable("activity_digests").set({
    next_mail_at: digest.nextMailAt,
    open_mail_id: digest.openMailId,
    open_token_hash: digest.openTokenHash,
    // As text, then cast: postgres.js would otherwise store the JSON text as one jsonb string
    notices: sql<string>`${JSON.stringify(digest.notices)}::text::jsonb`,
  }).where("user_id", "=", userId).execute();
}

/**
 * Rewrites a queued mail while no worker has claimed it yet (never attempted, not leased); false
 * once it is out of reach. A worker claims with FOR UPDATE SKIP LOCKED, so it either sees the
 * rewritten mail or, having claimed first, leaves this UPDATE matching nothing.
 */
export async function rewriteWaitingMail(
  db: Executor,
  id: string,
  mail: Pick<NewOutboxMail, "subject" | "text" | "html">,
): Promise<boolean> {
  const row = await db.updateTable("mail_outbox")
    .set({ subject: mail.subject, text_body: mail.text, html_body: mail.html })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .where("attempts", "=", 0)
    .where("locked_until", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Queues a mail to be sent at `sendAt` (not before); returns its outbox id. */
export async function insertScheduledMail(db: Executor, mail: NewOutboxMail, sendAt: Date): Promise<string> {
  const row = await db.insertInto("mail_outbox").values({
    to_address: mail.to,
    subject: mail.subject,
    text_body: mail.text,
    html_body: mail.html,
    template: mail.template,
    next_attempt_at: sendAt,
    created_at: mail.now,
  }).returning("id").executeTakeFirstOrThrow();
  return row.id;
}
