import { type Kysely, sql } from "kysely";
import type { DB, Executor, WebhookDeliveryRow } from "../db/schema.ts";
import type { WebhookBacklog } from "../observer.ts";
import { deliveryBacklog } from "./delivery-backlog.ts";
import { EVENTS_WITH_EMAIL, type WebhookEventType } from "../webhook-event-types.ts";

export interface NewWebhookEvent {
  /** The `webhook-id`, shared by every endpoint's delivery of this event */
  eventId: string;
  type: WebhookEventType;
  userId: string | null;
  /** The payload's `data`, beside `user_id` (and the account's `email` for the events that carry it) */
  data?: Record<string, unknown>;
  at: Date;
  /** Only this endpoint (a test event); every endpoint subscribed to the type otherwise */
  endpointId?: string;
  /**
   * False runs the statement and queues nothing: a path whose branches must cost the same
   * (sign-up, which must not tell a new address from a known one) runs it on every branch
   */
  when?: boolean;
}

/**
 * Queues an event for every endpoint subscribed to it, in one statement of the caller's
 * transaction: the event commits with the change it reports, or not at all. The address of
 * the events that carry it is read from the user row here, in the same snapshot.
 */
export async function insertWebhookEvent(db: Executor, event: NewWebhookEvent): Promise<void> {
  const withEmail = EVENTS_WITH_EMAIL.includes(event.type);
  const data = JSON.stringify({ ...(event.userId ? { user_id: event.userId } : {}), ...event.data });
  await sql`
    insert into webhook_deliveries (endpoint_id, event_id, event_type, user_id, payload, next_attempt_at, created_at)
    select e.id, ${event.eventId}, ${event.type}, ${event.userId}::uuid,
      jsonb_build_object(
        'type', ${event.type}::text,
        'timestamp', ${event.at.toISOString()}::text,
        'data', ${data}::text::jsonb || coalesce(
          (select jsonb_build_object('email', u.email) from users u where ${withEmail} and u.id = ${event.userId}::uuid),
          '{}'::jsonb)),
      ${event.at}::timestamptz, ${event.at}::timestamptz
    from webhook_endpoints e
    where ${event.when ?? true}::boolean and (${
    event.endpointId ?? null
  }::uuid is null and e.events ? ${event.type}::text
       or e.id = ${event.endpointId ?? null}::uuid)`.execute(db);
}

/**
 * Leases due deliveries to one worker (FOR UPDATE SKIP LOCKED, `locked_until`), spending an
 * attempt on each. A user's event waits while an earlier one of the same user to the same
 * endpoint is pending (retrying or in flight), so each endpoint sees one user's events in order.
 */
export async function claimDueDeliveries(
  db: Kysely<DB>,
  options: { now: Date; leaseUntil: Date; limit: number },
): Promise<WebhookDeliveryRow[]> {
  const { rows } = await sql<WebhookDeliveryRow>`
    with due as (
      select d.id from webhook_deliveries d
      where d.status = 'pending' and d.next_attempt_at <= ${options.now}::timestamptz
        and (d.locked_until is null or d.locked_until < ${options.now}::timestamptz)
        and not exists (
          select 1 from webhook_deliveries e
          where e.endpoint_id = d.endpoint_id and e.user_id = d.user_id and e.status = 'pending' and e.seq < d.seq)
      order by d.next_attempt_at, d.seq
      limit ${options.limit}
      for update skip locked)
    update webhook_deliveries w set locked_until = ${options.leaseUntil}::timestamptz, attempts = w.attempts + 1
    from due where w.id = due.id
    returning w.*`.execute(db);
  return rows.map((row) => ({ ...row, payload: parsed(row.payload) }));
}

/** postgres.js and PGlite both parse jsonb; raw statements may hand back text on some paths. */
function parsed(payload: unknown): Record<string, unknown> {
  return typeof payload === "string" ? JSON.parse(payload) : payload as Record<string, unknown>;
}

/** The outcome of one attempt, recorded on the delivery. */
export interface AttemptRecord {
  status: "pending" | "sent" | "failed";
  nextAttemptAt?: Date;
  error?: string;
  httpStatus?: number | null;
  sentAt?: Date;
}

export async function recordAttempt(db: Executor, id: string, attempt: AttemptRecord): Promise<void> {
  await db.updateTable("webhook_deliveries")
    .set({
      status: attempt.status,
      locked_until: null,
      last_error: attempt.error ?? null,
      ...(attempt.httpStatus !== undefined ? { last_status: attempt.httpStatus } : {}),
      ...(attempt.nextAttemptAt ? { next_attempt_at: attempt.nextAttemptAt } : {}),
      ...(attempt.sentAt ? { sent_at: attempt.sentAt } : {}),
    })
    .where("id", "=", id)
    .execute();
}

/** An endpoint's deliveries, newest first. */
export async function listDeliveries(db: Executor, endpointId: string, limit: number): Promise<WebhookDeliveryRow[]> {
  return await db.selectFrom("webhook_deliveries").selectAll().where("endpoint_id", "=", endpointId)
    .orderBy("created_at", "desc").orderBy("seq", "desc").limit(limit).execute();
}

/** Queues a delivery again from a fresh set of attempts, with its webhook-id; undefined when unknown. */
export async function requeueDelivery(db: Executor, id: string, now: Date): Promise<WebhookDeliveryRow | undefined> {
  return await db.updateTable("webhook_deliveries")
    .set({ status: "pending", attempts: 0, next_attempt_at: now, locked_until: null, sent_at: null })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/** On erasure: the account's address leaves every delivery still waiting to go out. */
export async function scrubUserDeliveries(db: Executor, userId: string): Promise<void> {
  await sql`
    update webhook_deliveries set payload = jsonb_set(payload, '{data}', (payload -> 'data') - 'email')
    where user_id = ${userId}::uuid and status = 'pending'`.execute(db);
}

/** The deliveries at a glance, for metrics. */
export function webhookBacklog(db: Executor): Promise<WebhookBacklog> {
  return deliveryBacklog(db, "webhook_deliveries");
}
