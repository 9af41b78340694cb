import { type Kysely, sql } from "kysely";

/**
 * The second factor: an authenticator app's secret (sealed), its recovery codes (HMACs only),
 * the challenges a sign-in with a factor on hands out, and on each session how it was proven.
 */
// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // One TOTP factor per account: pending until its first code (activated_at), then on
  await db.schema
    .createTable("totp_factors")
    .addColumn("user_id", "uuid", (col) => col.primaryKey().references("users.id").onDelete("cascade"))
    .addColumn("secret_sealed", "text", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    // An enrolment nobody activated is dead after this; null once activated
    .addColumn("pending_until", "timestamptz")
    .addColumn("activated_at", "timestamptz")
    // The last 30-second step a code was accepted for: a code of that step or an earlier one is a replay
    .addColumn("last_used_step", "integer")
    .execute();

  await db.schema
    .createTable("recovery_codes")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_hmac", "text", (col) => col.notNull())
    .addColumn("hmac_key_id", "text", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("recovery_codes_user_idx").on("recovery_codes").column("user_id").execute();

  // A sign-in that proved the password and waits for the second factor
  await db.schema
    .createTable("mfa_challenges")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (col) => col.notNull().unique())
    // users.token_version at the sign-in: a password change or reset since kills the challenge
    .addColumn("token_version", "integer", (col) => col.notNull())
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("mfa_challenges_expires_at_idx").on("mfa_challenges").column("expires_at").execute();

  // How the session's sign-in was proven (RFC 8176 `amr`, space-separated), its level and when
  await db.schema
    .alterTable("sessions")
    .addColumn("amr", "text", (col) => col.notNull().defaultTo("pwd"))
    .addColumn("aal", "smallint", (col) => col.notNull().defaultTo(1))
    .addColumn("auth_time", "timestamptz")
    .execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sessions").dropColumn("amr").dropColumn("aal").dropColumn("auth_time").execute();
  await db.schema.dropTable("mfa_challenges").execute();
  await db.schema.dropTable("recovery_codes").execute();
  await db.schema.dropTable("totp_factors").execute();
}
