/**
 * Security events are written to the audit trail and counted in `auth_events_total` (through the
 * Observer port) as one step: an event is counted once its write has committed, so a transaction
 * that rolls back counts nothing, and no path writes an event without counting it. The webhook
 * event an audit event stands for (user.*, session.revoked, security.*) and the owner's activity
 * mail (services/activity/) are queued in the same transaction.
 * @module
 */
import type { Kysely, Transaction } from "kysely";
import type { ActivityMailKind } from "../activity-mail-kinds.ts";
import type { Config } from "../config.ts";
import type { DB } from "../db/schema.ts";
import type { Observer } from "../observer.ts";
import { type NewSecurityEvent, recordSecurityEvent } from "../repositories/security-events.ts";
import type { SecurityEventType } from "../security-event-types.ts";
import { hasWebhookEvent, queueWebhookEventFor } from "./webhooks/security-event-hooks.ts";
import { noticeOfEvent } from "./activity/event-notices.ts";
import { type ActivityEvent, queueActivityNotice } from "./activity/activity-mail.ts";

/** Where events are written, and where they are counted (not at all without an observer). */
export interface AuditDeps {
  db: Kysely<DB>;
  /** Which activity mails go out, and where their links point (absent: the trail alone, no mail) */
  config?: Config;
  observer?: Observer;
}

/**
 * Writes an event in the transaction, counted when it commits. `write` is the statement that
 * carries it when it is more than the event's own insert (an admin action's, or a repository
 * statement that writes the event with the rest).
 */
export type RecordEvent = <E extends ActivityEvent>(
  event: E,
  write?: (trx: Transaction<DB>, event: E) => Promise<void>,
) => Promise<void>;

/** Runs `work` in one transaction; the events it records are counted after the commit, none after a rollback. */
export async function withEvents<T>(
  deps: AuditDeps,
  work: (trx: Transaction<DB>, record: RecordEvent) => Promise<T>,
): Promise<T> {
  const written: SecurityEventType[] = [];
  const mailed: ActivityMailKind[] = [];
  const result = await deps.db.transaction().execute((trx) =>
    work(trx, async (event, write = recordSecurityEvent) => {
      await write(trx, event);
      await queueWebhookEventFor(trx, event);
      const kind = deps.config && await queueActivityNotice(trx, deps.config, event);
      if (kind) mailed.push(kind);
      written.push(event.type);
    })
  );
  for (const type of written) deps.observer?.securityEvent(type);
  for (const kind of mailed) deps.observer?.activityMail(kind);
  return result;
}

/**
 * Writes one event and counts it: in a statement of its own (committed at once) when its type
 * queues nothing else, as the sign-in's do; with its webhook and the owner's mail in one
 * transaction when it does, so no caller can record such an event and forget to tell anyone.
 */
export async function recordEvent(deps: AuditDeps, event: NewSecurityEvent): Promise<void> {
  if (hasWebhookEvent(event.type) || noticeOfEvent(event.type, false)) {
    return await withEvents(deps, (_trx, record) => record(event));
  }
  await recordSecurityEvent(deps.db, event);
  deps.observer?.securityEvent(event.type);
}
