import { Webhook } from "npm:standardwebhooks@1.3.0";
import { bearer, jsonBody } from "../helpers/http.ts";
import { ManualClock } from "../../src/clock.ts";
import { createKeySealer } from "../../src/services/keys/sealing.ts";
import { createSecretBox } from "../../src/webhooks/signing-secrets.ts";
import { createWebhookWorker, type WebhookWorkerOptions } from "../../src/webhooks/webhook-worker.ts";
import type { DeliveryWorker } from "../../src/delivery/durable-worker.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import type { TestDatabase } from "../helpers/database.ts";
import { ADMIN_TEST_ENV, adminKey } from "../admin/_helpers.ts";

/** The loopback receiver's host, allow-listed unless a test says otherwise. */
export const RECEIVER_HOST = "127.0.0.1";

export interface WebhooksApp extends TestApp {
  clock: ManualClock;
  worker: DeliveryWorker;
  /** An admin key with webhooks:read and webhooks:write */
  key: string;
  /** POST /admin/webhooks; resolves to the endpoint with its secret */
  subscribe(url: string, events: string[]): Promise<{ id: string; secret: string }>;
}

/** An app on `database` with its webhook worker on the app's clock. */
export async function webhooksApp(
  database: TestDatabase,
  options: { env?: Record<string, string>; clock?: ManualClock; worker?: Partial<WebhookWorkerOptions> } = {},
): Promise<WebhooksApp> {
  const clock = options.clock ?? new ManualClock();
  const app = await createTestApp({
    database,
    clock,
    env: { ...ADMIN_TEST_ENV, WEBHOOK_ALLOWED_HOSTS: RECEIVER_HOST, ...options.env },
  });
  const { config } = app.deps;
  const worker = createWebhookWorker({
    db: database.db,
    clock,
    logger: app.logger,
    secrets: createSecretBox(config, createKeySealer(config)),
    allowedHosts: config.webhookAllowedHosts,
    backoffBaseMs: 1000,
    ...options.worker,
  });
  const key = await adminKey(app, ["webhooks:read", "webhooks:write", "users:write"]);
  return {
    ...app,
    clock,
    worker,
    key,
    async subscribe(url, events) {
      const response = await app.request("/admin/webhooks", bearer(key, jsonBody({ url, events })));
      if (response.status !== 201) throw new Error(`subscribe answered ${response.status}: ${await response.text()}`);
      return await response.json();
    },
    async close() {
      await worker.stop();
      await app.close();
    },
  };
}

/** One request the receiver got, and what verifying it with the endpoint's secret gave. */
export interface ReceivedHook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Every header as received, for verifying again with another secret */
  headers: Record<string, string>;
  // deno-lint-ignore no-explicit-any -- payloads are read field by field
  payload: any;
}

export interface Receiver {
  url: string;
  received: ReceivedHook[];
  /** Statuses to answer, in order; 204 once they run out */
  answers: number[];
  /** While set, requests wait for it before answering */
  gate?: Promise<void>;
  /** Requests waiting at the gate */
  waiting: number;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 that verifies every request with standardwebhooks before it
 * records it: a request whose signature does not verify fails the test at once. With no secret
 * (`null`) it records requests unverified, for the test to verify each with the secrets it chooses.
 */
export function startReceiver(secret: () => string | null): Receiver {
  const receiver: Receiver = {
    url: "",
    received: [],
    answers: [],
    waiting: 0,
    close: () => server.shutdown(),
  };
  const server = Deno.serve({ hostname: RECEIVER_HOST, port: 0, onListen() {} }, async (request) => {
    const body = await request.text();
    const headers = Object.fromEntries(request.headers);
    const known = secret();
    const payload = known === null ? JSON.parse(body) : new Webhook(known).verify(body, headers);
    receiver.received.push({
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
      body,
      headers,
      payload,
    });
    if (receiver.gate) {
      receiver.waiting++;
      await receiver.gate;
      receiver.waiting--;
    }
    return new Response(null, { status: receiver.answers.shift() ?? 204 });
  });
  receiver.url = `http://${RECEIVER_HOST}:${server.addr.port}/hooks`;
  return receiver;
}

/**
 * Whether one of the hook's signatures is the one standardwebhooks makes with `secret`: its
 * verify() without the 5-minute timestamp window, for tests that move the app's clock by hours.
 */
export function signedWith(secret: string, hook: ReceivedHook): boolean {
  const expected = new Webhook(secret).sign(hook.id, new Date(Number(hook.timestamp) * 1000), hook.body);
  return hook.signature.split(" ").includes(expected);
}

/** The deliveries of an endpoint as GET /admin/webhooks/{id}/deliveries lists them. */
// deno-lint-ignore no-explicit-any -- bodies are read field by field
export async function deliveriesOf(app: WebhooksApp, endpointId: string): Promise<any[]> {
  const response = await app.request(`/admin/webhooks/${endpointId}/deliveries`, bearer(app.key));
  if (response.status !== 200) throw new Error(`deliveries answered ${response.status}`);
  return (await response.json()).data;
}
