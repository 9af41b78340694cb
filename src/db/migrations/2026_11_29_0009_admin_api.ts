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
  // Prefix search and keyset pages over the normalized address, whatever the database's collation
  await sql`create index users_email_prefix_idx on users (email_normalized collate "C")`.execute(db);

  // Who did it (an admin API key's name) and what, for events of admin actions
  await db.schema
    .alterTable("security_events")
    .addColumn("actor", "text")
    .addColumn("details", "jsonb")
    .execute();
  // The audit trail of every user in order: admin pages, the NDJSON export and retention
  await db.schema.createIndex("security_events_created_idx").on("security_events").columns(["created_at", "id"])
    .execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("security_events_created_idx").execute();
  await db.schema.alterTable("security_events").dropColumn("details").dropColumn("actor").execute();
  await db.schema.dropIndex("users_email_prefix_idx").execute();
  await db.schema.alterTable("users").dropColumn("disabled_reason").dropColumn("disabled_until").dropColumn(
    "disabled_at",
  ).execute();
  await db.schema.dropTable("admin_api_keys").execute();
}
