import { type Kysely, sql } from "kysely";

/**
 * Webhook endpoints and their deliveries. A delivery is one event for one endpoint: the
 * durable-delivery worker claims it like an outbox mail. `seq` orders the events of one user
 * to one endpoint (the row ids are random); `event_id` is the `webhook-id` every attempt
 * and every endpoint of one event share.
 */
// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("url", "text", (col) => col.notNull())
    .addColumn("description", "text")
    .addColumn("events", "jsonb", (col) => col.notNull())
    // Sealed signing secrets, newest first: several while a rotation overlaps
    .addColumn("secrets", "jsonb", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    .execute();
  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("seq", "bigint", (col) => col.generatedAlwaysAsIdentity())
    .addColumn("endpoint_id", "uuid", (col) => col.notNull().references("webhook_endpoints.id").onDelete("cascade"))
    .addColumn("event_id", "text", (col) => col.notNull())
    .addColumn("event_type", "text", (col) => col.notNull())
    .addColumn("user_id", "uuid")
    .addColumn("payload", "jsonb", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull().defaultTo("pending"))
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (col) => col.notNull())
    .addColumn("locked_until", "timestamptz")
    .addColumn("last_error", "text")
    .addColumn("last_status", "integer")
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    .addColumn("sent_at", "timestamptz")
    .execute();
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending'`
    .execute(db);
  // The ordering check: is an earlier event of this user to this endpoint still pending?
  await sql`create index webhook_deliveries_user_order_idx on webhook_deliveries (endpoint_id, user_id, seq)
    where status = 'pending'`.execute(db);
  // Housekeeping's retention sweep of settled deliveries
  await sql`create index webhook_deliveries_settled_idx on webhook_deliveries (created_at)
    where status in ('sent', 'failed')`.execute(db);
  await sql`create index webhook_deliveries_log_idx on webhook_deliveries (endpoint_id, created_at desc)`.execute(db);
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhook_endpoints").execute();
}
