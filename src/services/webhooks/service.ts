import type { Kysely } from "kysely";
import type { Clock } from "../../clock.ts";
import type { DB, WebhookDeliveryRow, WebhookEndpointRow } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import {
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookEndpoints,
} from "../../repositories/webhook-endpoints.ts";
import { insertWebhookEvent, listDeliveries, requeueDelivery } from "../../repositories/webhook-deliveries.ts";
import type { WebhookEventType } from "../../webhook-event-types.ts";
import { newWebhookId } from "./security-event-hooks.ts";
import { newSigningSecret, type SecretBox } from "../../webhooks/signing-secrets.ts";

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

/** The admin side of webhooks: subscriptions and their delivery log. */
export interface WebhookService {
  /** Subscribes a URL; the answer holds the signing secret, which is never shown again */
  create(input: { url: string; events: WebhookEventType[]; description?: string }): Promise<
    WebhookEndpointView & { secret: string }
  >;
  list(): Promise<WebhookEndpointView[]>;
  remove(id: string): Promise<void>;
  /** Queues a `webhook.test` event for this endpoint alone */
  sendTest(id: string): Promise<WebhookDeliveryView>;
  deliveries(id: string, limit: number): Promise<WebhookDeliveryView[]>;
  /** Queues a delivery again, with its webhook-id, from a fresh set of attempts */
  redeliver(deliveryId: string): Promise<WebhookDeliveryView>;
}

export function createWebhookService(ctx: { db: Kysely<DB>; clock: Clock; secrets: SecretBox }): WebhookService {
  const { db, clock } = ctx;
  async function endpointOrThrow(id: string): Promise<WebhookEndpointRow> {
    const endpoint = await findWebhookEndpoint(db, id);
    if (!endpoint) throw new AppError("not_found", "No webhook endpoint has this id");
    return endpoint;
  }
  return {
    async create(input) {
      const id = crypto.randomUUID();
      const secret = newSigningSecret();
      const row = await insertWebhookEndpoint(db, {
        id,
        url: input.url,
        description: input.description ?? null,
        events: [...new Set(input.events)],
        sealedSecrets: [await ctx.secrets.seal(id, secret)],
        now: clock.now(),
      });
      return { ...endpointView(row), secret };
    },
    list: async () => (await listWebhookEndpoints(db)).map(endpointView),
    async remove(id) {
      if (!await deleteWebhookEndpoint(db, id)) throw new AppError("not_found", "No webhook endpoint has this id");
    },
    async sendTest(id) {
      const endpoint = await endpointOrThrow(id);
      const eventId = newWebhookId();
      const at = clock.now();
      await insertWebhookEvent(db, {
        eventId,
        type: "webhook.test",
        userId: null,
        data: { endpoint_id: endpoint.id },
        at,
        endpointId: endpoint.id,
      });
      const [queued] = (await listDeliveries(db, endpoint.id, 10)).filter((row) => row.event_id === eventId);
      return deliveryView(queued);
    },
    async deliveries(id, limit) {
      await endpointOrThrow(id);
      return (await listDeliveries(db, id, limit)).map(deliveryView);
    },
    async redeliver(deliveryId) {
      const row = await requeueDelivery(db, deliveryId, clock.now());
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
