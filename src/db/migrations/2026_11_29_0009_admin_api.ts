import { type Kysely, sql } from "kysely";

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // Admin API keys: only the SHA-256 of each key is kept, never the key
  await db.schema
    .createTable("admin_api_keys")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "text", (col) => col.notNull().unique())
    .addColumn("key_hash", "text", (col) => col.notNull().unique())
    // Space-separated, as OAuth writes scopes (RFC 6749 §3.3)
    .addColumn("scopes", "text", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz")
    .addColumn("expires_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();

  // A disabled account: refused at sign-in and refresh until enabled, or until `disabled_until` has passed
  await db.schema
    .alterTable("users")
    .addColumn("disabled_at", "timestamptz")
    .addColumn("disabled_until", "timestamptz")
    .addColumn("disabled_reason", "text")
    .execute();
  // The indexes of the prefix search (users_email_prefix_idx) and of the audit export
  // (security_events_created_idx) are built concurrently by 2026_11_29_0010_scale_indexes

  // Who did it (an admin API key's name) and what, for events of admin actions
  await db.schema
    .alterTable("security_events")
    .addColumn("actor", "text")
    .addColumn("details", "jsonb")
    .execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("security_events").dropColumn("details").dropColumn("actor").execute();
  await db.schema.alterTable("users").dropColumn("disabled_reason").dropColumn("disabled_until").dropColumn(
    "disabled_at",
  ).execute();
  await db.schema.dropTable("admin_api_keys").execute();
}
