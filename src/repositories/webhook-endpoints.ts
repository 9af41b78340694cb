import { sql } from "kysely";
import type { Executor, StoredSigningSecret, WebhookEndpointRow } from "../db/schema.ts";

export interface NewWebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: readonly string[];
  secrets: readonly StoredSigningSecret[];
  now: Date;
}

export async function insertWebhookEndpoint(db: Executor, endpoint: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
  return await db
    .insertInto("webhook_endpoints")
    .values({
      id: endpoint.id,
      url: endpoint.url,
      description: endpoint.description,
      // As text, then cast: postgres.js would otherwise store the JSON text as one jsonb string
      events: sql<string>`${JSON.stringify(endpoint.events)}::text::jsonb`,
      secrets: sql<string>`${JSON.stringify(endpoint.secrets)}::text::jsonb`,
      created_at: endpoint.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Every endpoint, oldest first (a handful per installation: no pagination). */
export async function listWebhookEndpoints(db: Executor): Promise<WebhookEndpointRow[]> {
  return await db.selectFrom("webhook_endpoints").selectAll().orderBy("created_at").orderBy("id").execute();
}

export async function findWebhookEndpoint(db: Executor, id: string): Promise<WebhookEndpointRow | undefined> {
  return await db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Deletes the endpoint with its deliveries; false when there was none. */
export async function deleteWebhookEndpoint(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom("webhook_endpoints").where("id", "=", id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The endpoint, its row locked until the transaction ends (a rotation reads and rewrites its secrets). */
export async function lockWebhookEndpoint(db: Executor, id: string): Promise<WebhookEndpointRow | undefined> {
  return await db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function replaceWebhookSecrets(
  db: Executor,
  id: string,
  secrets: readonly StoredSigningSecret[],
): Promise<void> {
  await db.updateTable("webhook_endpoints")
    .set({ secrets: sql<string>`${JSON.stringify(secrets)}::text::jsonb` })
    .where("id", "=", id)
    .execute();
}
