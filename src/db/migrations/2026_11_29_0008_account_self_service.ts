import { type Kysely, sql } from "kysely";

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // Set while an account waits for erasure (status pending_deletion); null for a live account
  await db.schema.alterTable("users").addColumn("deletion_due_at", "timestamptz").execute();
  // Its index (users_deletion_due_idx) is built concurrently by 2026_11_29_0010_scale_indexes

  // Events of an erased account keep a keyed pseudonym of its id instead of the id
  await db.schema.alterTable("security_events").addColumn("user_pseudonym", "text").execute();

  // A requested change of address: the code mailed to the new address, stored as an HMAC
  await db.schema
    .createTable("email_changes")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("new_email", "text", (col) => col.notNull())
    .addColumn("new_email_normalized", "text", (col) => col.notNull())
    .addColumn("code_hmac", "text", (col) => col.notNull())
    .addColumn("hmac_key_id", "text", (col) => col.notNull())
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("consumed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("email_changes_user_idx").on("email_changes").column("user_id").execute();
  await db.schema.createIndex("email_changes_expires_at_idx").on("email_changes").column("expires_at").execute();

  // Single-use tokens mailed to an owner: undo an address change, keep an account being deleted
  await db.schema
    .createTable("account_tokens")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn(
      "purpose",
      "text",
      (col) => col.notNull().check(sql`purpose in ('email_change_revert', 'deletion_cancel')`),
    )
    .addColumn("token_hash", "text", (col) => col.notNull().unique())
    .addColumn("hmac_key_id", "text", (col) => col.notNull())
    .addColumn("previous_email", "text")
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("account_tokens_user_idx").on("account_tokens").column("user_id").execute();
  await db.schema.createIndex("account_tokens_expires_at_idx").on("account_tokens").column("expires_at").execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("account_tokens").execute();
  await db.schema.dropTable("email_changes").execute();
  await db.schema.alterTable("security_events").dropColumn("user_pseudonym").execute();
  await db.schema.alterTable("users").dropColumn("deletion_due_at").execute();
}
