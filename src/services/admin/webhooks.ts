import type { Kysely } from "kysely";
import type { Clock } from "../../clock.ts";
import type { DB, WebhookDeliveryRow, WebhookEndpointRow } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import type { Observer } from "../../observer.ts";
import { recordAdminEvent } from "../../repositories/admin-security-events.ts";
import {
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookEndpoints,
  lockWebhookEndpoint,
  replaceWebhookSecrets,
} from "../../repositories/webhook-endpoints.ts";
import { insertWebhookEvent, listDeliveries, requeueDelivery } from "../../repositories/webhook-deliveries.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import type { WebhookEventType } from "../../webhook-event-types.ts";
import { newSigningSecret, rotatedSecrets, type SecretBox } from "../../webhooks/signing-secrets.ts";
import type { AdminActor } from "./context.ts";
import { type RecordEvent, withEvents } from "../audit-trail.ts";
import { newWebhookId } from "../webhooks/security-event-hooks.ts";

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  created_at: string;
}

export interface WebhookDeliveryView {
  id: string;
  webhook_id: string;
  type: WebhookEventType;
  status: "pending" | "sent" | "failed";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}

/** A rotation's answer: the new secret, shown once, and when the previous ones stop signing. */
export interface RotatedSecretView extends WebhookEndpointView {
  secret: string;
  previous_secrets_expire_at: string;
}

/**
 * The admin side of webhooks: subscriptions and their delivery log. Each change is recorded in
 * the audit trail with the admin key as actor, in the transaction that makes it; a secret never is.
 */
export interface WebhookService {
  /** Subscribes a URL; the answer holds the signing secret, which is never shown again */
  create(
    input: { url: string; events: WebhookEventType[]; description?: string },
    actor: AdminActor,
  ): Promise<WebhookEndpointView & { secret: string }>;
  list(): Promise<WebhookEndpointView[]>;
  remove(id: string, actor: AdminActor): Promise<void>;
  /** A new secret signs first; the previous ones keep signing for ROTATION_OVERLAP_MS, then stop */
  rotateSecret(id: string, actor: AdminActor): Promise<RotatedSecretView>;
  /** Queues a `webhook.test` event for this endpoint alone */
  sendTest(id: string, actor: AdminActor): Promise<WebhookDeliveryView>;
  deliveries(id: string, limit: number): Promise<WebhookDeliveryView[]>;
  /** Queues a delivery again, with its webhook-id, from a fresh set of attempts */
  redeliver(deliveryId: string, actor: AdminActor): Promise<WebhookDeliveryView>;
}

export interface WebhookServiceContext {
  db: Kysely<DB>;
  clock: Clock;
  secrets: SecretBox;
  /** Counts the admin events once they commit */
  observer?: Observer;
}

function endpointNotFound(): AppError {
  return new AppError("not_found", "No webhook endpoint has this id");
}

/** An admin event about an endpoint: no user, the key as actor; `details` name the endpoint, never a secret. */
function recordWebhookAction(
  record: RecordEvent,
  type: SecurityEventType,
  actor: AdminActor,
  at: Date,
  details: Record<string, unknown>,
): Promise<void> {
  const { ip, userAgent, requestId } = actor.meta;
  return record({ userId: null, type, ip, userAgent, requestId, at, actor: actor.name, details }, recordAdminEvent);
}

export function createWebhookService(ctx: WebhookServiceContext): WebhookService {
  const { db, clock } = ctx;
  async function endpointOrThrow(id: string): Promise<WebhookEndpointRow> {
    const endpoint = await findWebhookEndpoint(db, id);
    if (!endpoint) throw endpointNotFound();
    return endpoint;
  }
  return {
    async create(input, actor) {
      const id = crypto.randomUUID();
      const secret = newSigningSecret();
      const now = clock.now();
      const sealed = await ctx.secrets.seal(id, secret);
      const events = [...new Set(input.events)];
      const row = await withEvents(ctx, async (trx, record) => {
        const row = await insertWebhookEndpoint(trx, {
          id,
          url: input.url,
          description: input.description ?? null,
          events,
          secrets: [{ sealed, expires_at: null }],
          now,
        });
        // The host alone: a URL may carry a receiver's token in its path or query
        await recordWebhookAction(record, "admin_webhook_created", actor, now, {
          endpoint_id: id,
          host: new URL(input.url).host,
          events,
        });
        return row;
      });
      return { ...endpointView(row), secret };
    },
    list: async () => (await listWebhookEndpoints(db)).map(endpointView),
    async remove(id, actor) {
      const now = clock.now();
      const found = await withEvents(ctx, async (trx, record) => {
        const endpoint = await lockWebhookEndpoint(trx, id);
        if (!endpoint || !await deleteWebhookEndpoint(trx, id)) return false;
        await recordWebhookAction(record, "admin_webhook_deleted", actor, now, {
          endpoint_id: id,
          host: new URL(endpoint.url).host,
        });
        return true;
      });
      if (!found) throw endpointNotFound();
    },
    async rotateSecret(id, actor) {
      const secret = newSigningSecret();
      const sealed = await ctx.secrets.seal(id, secret);
      const now = clock.now();
      const rotated = await withEvents(ctx, async (trx, record) => {
        // Locked: two rotations at once must not drop each other's new secret
        const endpoint = await lockWebhookEndpoint(trx, id);
        if (!endpoint) return undefined;
        const { secrets, previousExpireAt } = rotatedSecrets(endpoint.secrets, sealed, now);
        await replaceWebhookSecrets(trx, id, secrets);
        await recordWebhookAction(record, "admin_webhook_secret_rotated", actor, now, {
          endpoint_id: id,
          previous_secrets_expire_at: previousExpireAt.toISOString(),
        });
        return { endpoint, previousExpireAt };
      });
      if (!rotated) throw endpointNotFound();
      return {
        ...endpointView(rotated.endpoint),
        secret,
        previous_secrets_expire_at: rotated.previousExpireAt.toISOString(),
      };
    },
    async sendTest(id, actor) {
      const eventId = newWebhookId();
      const at = clock.now();
      const queued = await withEvents(ctx, async (trx, record) => {
        const endpoint = await findWebhookEndpoint(trx, id);
        if (!endpoint) return undefined;
        await insertWebhookEvent(trx, {
          eventId,
          type: "webhook.test",
          userId: null,
          data: { endpoint_id: endpoint.id },
          at,
          endpointId: endpoint.id,
        });
        const [queued] = (await listDeliveries(trx, endpoint.id, 10)).filter((row) => row.event_id === eventId);
        await recordWebhookAction(record, "admin_webhook_test_sent", actor, at, {
          endpoint_id: id,
          delivery_id: queued.id,
          webhook_id: eventId,
        });
        return queued;
      });
      if (!queued) throw endpointNotFound();
      return deliveryView(queued);
    },
    async deliveries(id, limit) {
      await endpointOrThrow(id);
      return (await listDeliveries(db, id, limit)).map(deliveryView);
    },
    async redeliver(deliveryId, actor) {
      const now = clock.now();
      const row = await withEvents(ctx, async (trx, record) => {
        const row = await requeueDelivery(trx, deliveryId, now);
        if (!row) return undefined;
        await recordWebhookAction(record, "admin_webhook_redelivered", actor, now, {
          endpoint_id: row.endpoint_id,
          delivery_id: row.id,
          webhook_id: row.event_id,
        });
        return row;
      });
      if (!row) throw new AppError("not_found", "No webhook delivery has this id");
      return deliveryView(row);
    },
  };
}

function endpointView(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    created_at: new Date(row.created_at).toISOString(),
  };
}

function deliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    webhook_id: row.event_id,
    type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    last_status: row.last_status,
    last_error: row.last_error,
    next_attempt_at: row.status === "pending" ? new Date(row.next_attempt_at).toISOString() : null,
    created_at: new Date(row.created_at).toISOString(),
    sent_at: row.sent_at ? new Date(row.sent_at).toISOString() : null,
  };
}
