/**
 * Which audit-trail events are also webhook events. withEvents queues the webhook event in the
 * transaction that records the audit event, so a receiver hears of exactly the changes that committed.
 * @module
 */
import type { Transaction } from "kysely";
import type { DB } from "../../db/schema.ts";
import { insertWebhookEvent } from "../../repositories/webhook-deliveries.ts";
import type { NewSecurityEvent } from "../../repositories/security-events.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import type { WebhookEventType } from "../../webhook-event-types.ts";

// `signup` is not here: it is recorded for every sign-up of an unverified address, while
// user.created is queued by sign-up itself, once, when the account is created (queueWebhookEvent)
const WEBHOOK_EVENT_OF: Partial<Record<SecurityEventType, WebhookEventType>> = {
  email_verified: "user.verified",
  email_changed: "user.email_changed",
  email_change_reverted: "user.email_changed",
  password_changed: "user.password_changed",
  password_reset: "user.password_changed",
  admin_account_disabled: "user.disabled",
  admin_account_enabled: "user.enabled",
  account_deletion_scheduled: "user.deletion_scheduled",
  admin_account_deleted: "user.deletion_scheduled",
  session_revoked: "session.revoked",
  logout: "session.revoked",
  logout_all: "session.revoked",
  admin_signed_out: "session.revoked",
  refresh_token_reused: "security.refresh_token_reused",
  new_device_signin: "security.new_device_signin",
  mfa_enabled: "user.mfa_enabled",
  mfa_disabled: "user.mfa_disabled",
};

/** A new `webhook-id`: one per event, shared by its attempts and endpoints. */
/** Whether an audit event of this type also goes out as a webhook event. */
export function hasWebhookEvent(type: SecurityEventType): boolean {
  return WEBHOOK_EVENT_OF[type] !== undefined;
}

export function newWebhookId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Queues the webhook event an audit event stands for, if any, in the same transaction. */
export async function queueWebhookEventFor(trx: Transaction<DB>, event: NewSecurityEvent): Promise<void> {
  const type = WEBHOOK_EVENT_OF[event.type];
  if (!type || !event.userId) return;
  // session.revoked says how: one session, every session, by an administrator
  const data = type === "session.revoked" ? { reason: event.type } : undefined;
  await queueWebhookEvent(trx, { type, userId: event.userId, data, at: event.at });
}

/** Queues a user's webhook event in the caller's transaction, with a new `webhook-id`. */
export async function queueWebhookEvent(
  trx: Transaction<DB>,
  event: { type: WebhookEventType; userId: string; data?: Record<string, unknown>; at: Date; when?: boolean },
): Promise<void> {
  await insertWebhookEvent(trx, { eventId: newWebhookId(), ...event });
}
