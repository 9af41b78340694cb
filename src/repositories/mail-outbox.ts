import { type Kysely, type RawBuilder, sql } from "kysely";
import type { DB, Executor, MailOutboxRow } from "../db/schema.ts";
import { deliveryBacklog } from "./delivery-backlog.ts";
import type { MailOutboxBacklog } from "../observer.ts";

export interface NewOutboxMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  template: string;
  now: Date;
}

/** Queues a mail; written in the caller's transaction so it commits with the code or token it carries. */
export async function insertOutboxMail(db: Executor, mail: NewOutboxMail): Promise<void> {
  await db
    .insertInto("mail_outbox")
    .values({
      to_address: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      template: mail.template,
      next_attempt_at: mail.now,
      created_at: mail.now,
    })
    .execute();
}

/** Queues a mail unless one of its template went to its address since `since`; one statement. */
export async function insertOutboxMailUnlessRecent(
  db: Executor,
  mail: NewOutboxMail,
  throttle: { since: Date },
): Promise<void> {
  await sql`
    ${insertOutboxMails([mail], mail.now)}
    where not exists (
      select 1 from mail_outbox
      where to_address = ${mail.to} and template = ${mail.template} and created_at >= ${throttle.since}::timestamptz
    )`.execute(db);
}

/**
 * An INSERT of any number of mails (none included) as one SQL fragment, for statements that
 * must have the same shape whether they queue mail or not.
 */
export function insertOutboxMails(mails: readonly Omit<NewOutboxMail, "now">[], now: Date): RawBuilder<unknown> {
  const rows = JSON.stringify(mails.map((mail) => ({
    to_address: mail.to,
    subject: mail.subject,
    text_body: mail.text,
    html_body: mail.html,
    template: mail.template,
  })));
  return sql`
    insert into mail_outbox (to_address, subject, text_body, html_body, template, next_attempt_at, created_at)
    select m.to_address, m.subject, m.text_body, m.html_body, m.template, ${now}::timestamptz, ${now}::timestamptz
    from jsonb_to_recordset(${rows}::text::jsonb) as m(to_address text, subject text, text_body text, html_body text, template text)`;
}

/** True when a mail of this template to this address was queued at or after `since`. */
export async function hasMailSince(db: Executor, to: string, template: string, since: Date): Promise<boolean> {
  const row = await db
    .selectFrom("mail_outbox")
    .select("id")
    .where("to_address", "=", to)
    .where("template", "=", template)
    .where("created_at", ">=", since)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Leases up to `limit` due mails to one worker: rows other workers hold are skipped
 * (FOR UPDATE SKIP LOCKED) and each claimed row gets `locked_until`, so a worker that dies
 * mid-send gives its rows back when the lease ends. Claiming spends an attempt.
 */
export async function claimDueMail(
  db: Kysely<DB>,
  options: { now: Date; leaseUntil: Date; limit: number },
): Promise<MailOutboxRow[]> {
  return await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom("mail_outbox")
      .select("id")
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", options.now)
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", options.now)]))
      .orderBy("next_attempt_at")
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return await trx
      .updateTable("mail_outbox")
      .set((eb) => ({ locked_until: options.leaseUntil, attempts: eb("attempts", "+", 1) }))
      .where("id", "in", due.map((row) => row.id))
      .returningAll()
      .execute();
  });
}

/** Records a delivery and clears the bodies: they hold codes and tokens. */
export async function markMailSent(db: Executor, id: string, now: Date): Promise<void> {
  await db
    .updateTable("mail_outbox")
    .set({ status: "sent", sent_at: now, text_body: null, html_body: null, locked_until: null, last_error: null })
    .where("id", "=", id)
    .execute();
}

/** Schedules another attempt after a failed delivery. */
export async function rescheduleMail(db: Executor, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await db
    .updateTable("mail_outbox")
    .set({ next_attempt_at: nextAttemptAt, locked_until: null, last_error: error })
    .where("id", "=", id)
    .execute();
}

/** Gives up on a mail after its last attempt; the bodies are cleared like a sent mail's. */
export async function markMailFailed(db: Executor, id: string, error: string): Promise<void> {
  await db
    .updateTable("mail_outbox")
    .set({ status: "failed", text_body: null, html_body: null, locked_until: null, last_error: error })
    .where("id", "=", id)
    .execute();
}

/** The outbox at a glance, for metrics: rows per status and when the oldest pending one was queued. */
export function outboxBacklog(db: Executor): Promise<MailOutboxBacklog> {
  return deliveryBacklog(db, "mail_outbox");
}
