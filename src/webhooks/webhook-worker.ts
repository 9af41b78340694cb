import type { Kysely } from "kysely";
import { Webhook } from "standardwebhooks";
import type { Clock } from "../clock.ts";
import type { DB, WebhookDeliveryRow } from "../db/schema.ts";
import {
  createDeliveryWorker,
  type DeliveryQueue,
  type DeliveryTuning,
  type DeliveryWorker,
} from "../delivery/durable-worker.ts";
import type { Logger } from "../logger.ts";
import { NOOP_OBSERVER, type Observer } from "../observer.ts";
import { findWebhookEndpoint } from "../repositories/webhook-endpoints.ts";
import { claimDueDeliveries, recordAttempt, webhookBacklog } from "../repositories/webhook-deliveries.ts";
import { type SecretBox, signingSecretsAt } from "./signing-secrets.ts";
import { type Resolver, resolveTarget, systemResolver } from "./address-policy.ts";
import { postToTarget } from "./http-post.ts";

export interface WebhookWorkerOptions extends DeliveryTuning {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  /** Hosts that may resolve to loopback or private addresses (WEBHOOK_ALLOWED_HOSTS) */
  allowedHosts: readonly string[];
  /** How long one attempt may take, connection to status line */
  requestTimeoutMs?: number;
  /** Attempts in flight at once per endpoint, on this instance */
  perEndpointConcurrency?: number;
  resolve?: Resolver;
  observer?: Observer;
}

/** Webhook retries: 10 s doubling up to an hour between attempts, failed after the 12th (about 4 h 30 in all). */
export const WEBHOOK_RETRIES = { backoffBaseMs: 10_000, maxBackoffMs: 3_600_000, maxAttempts: 12 };

/**
 * Delivers webhook events on the durable-delivery core: signed as Standard Webhooks with a fresh
 * timestamp and signature on every attempt (one signature per secret while a rotation overlaps),
 * to an address checked at delivery time, within a deadline. A 2xx answer is a delivery; anything
 * else, a redirect included, is retried.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): DeliveryWorker {
  const { db, clock, logger } = options;
  const observer = options.observer ?? NOOP_OBSERVER;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const resolve = options.resolve ?? systemResolver;
  // The receiver's answer to each attempt in flight, recorded with its outcome
  const statuses = new Map<string, number | null>();

  async function deliver(delivery: WebhookDeliveryRow): Promise<void> {
    statuses.set(delivery.id, null);
    const endpoint = await findWebhookEndpoint(db, delivery.endpoint_id);
    if (!endpoint) throw new Error("Endpoint was removed");
    const target = await resolveTarget(new URL(endpoint.url), { allowedHosts: options.allowedHosts, resolve });
    const body = JSON.stringify(delivery.payload);
    const timestamp = clock.now();
    // Every secret still signing: during a rotation's overlap a receiver that knows either one verifies
    const signatures = await Promise.all(
      signingSecretsAt(endpoint.secrets, timestamp).map(async ({ sealed }) => {
        const secret = await options.secrets.open(endpoint.id, sealed);
        return new Webhook(secret).sign(delivery.event_id, timestamp, body);
      }),
    );
    const headers = {
      "webhook-id": delivery.event_id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signatures.join(" "),
      "User-Agent": "jessy-api-webhooks",
    };
    const status = await postToTarget(target, headers, body, AbortSignal.timeout(timeoutMs));
    statuses.set(delivery.id, status);
    if (status < 200 || status > 299) throw new Error(`Receiver answered ${status}`);
  }

  const statusOf = (delivery: WebhookDeliveryRow) => {
    const status = statuses.get(delivery.id) ?? null;
    statuses.delete(delivery.id);
    return status;
  };
  return createDeliveryWorker<WebhookDeliveryRow>({
    ...WEBHOOK_RETRIES,
    ...options,
    name: "webhook worker",
    queue: webhookDeliveryQueue(db, statusOf),
    deliver,
    lane: (delivery) => delivery.endpoint_id,
    laneConcurrency: options.perEndpointConcurrency ?? 4,
    onOutcome(delivery, outcome, { reason, nextAttemptAt }) {
      observer.webhookDelivery(delivery.endpoint_id, outcome);
      const fields = {
        delivery_id: delivery.id,
        endpoint_id: delivery.endpoint_id,
        webhook_id: delivery.event_id,
        type: delivery.event_type,
        attempts: delivery.attempts,
      };
      if (outcome === "sent") logger.info("webhook delivered", fields);
      else if (outcome === "failed") logger.error("webhook delivery failed for good", { ...fields, reason });
      else {logger.warn("webhook delivery failed, will retry", {
          ...fields,
          reason,
          next: nextAttemptAt?.toISOString(),
        });}
    },
    reportBacklog: options.observer ? async () => observer.webhookBacklog(await webhookBacklog(db)) : undefined,
  });
}

/** Webhook deliveries as the durable-delivery worker sees them; `statusOf` is the receiver's last answer. */
function webhookDeliveryQueue(
  db: Kysely<DB>,
  statusOf: (delivery: WebhookDeliveryRow) => number | null,
): DeliveryQueue<WebhookDeliveryRow> {
  return {
    claim: (options) => claimDueDeliveries(db, options),
    delivered: (d, now) => recordAttempt(db, d.id, { status: "sent", sentAt: now, httpStatus: statusOf(d) }),
    reschedule: (d, next, error) =>
      recordAttempt(db, d.id, { status: "pending", nextAttemptAt: next, error, httpStatus: statusOf(d) }),
    fail: (d, error) => recordAttempt(db, d.id, { status: "failed", error, httpStatus: statusOf(d) }),
  };
}
