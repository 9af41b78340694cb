import type { Kysely } from "kysely";

/**
 * Passkeys: the WebAuthn credentials an account registered, the single-use challenges of the
 * ceremonies (registration, sign-in, second factor), and on a second-factor challenge how its
 * first step was proven (a password, or a passkey without user verification).
 */
// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("passkeys")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("user_id", "uuid", (col) => col.notNull().references("users.id").onDelete("cascade"))
    // The credential id the authenticator chose, base64url; unique across accounts
    .addColumn("credential_id", "text", (col) => col.notNull().unique())
    // COSE public key, base64url
    .addColumn("public_key", "text", (col) => col.notNull())
    // The signature counter last seen (0 for authenticators that keep none); up to 2^32 - 1
    .addColumn("counter", "bigint", (col) => col.notNull().defaultTo(0))
    // Transports the authenticator reported (usb, nfc, ble, internal, hybrid…), space-separated
    .addColumn("transports", "text", (col) => col.notNull().defaultTo(""))
    // singleDevice or multiDevice; backed_up: synced to a cloud keychain
    .addColumn("device_type", "text", (col) => col.notNull())
    .addColumn("backed_up", "boolean", (col) => col.notNull())
    .addColumn("aaguid", "text", (col) => col.notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    .addColumn("last_used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("passkeys_user_idx").on("passkeys").column("user_id").execute();

  await db.schema
    .createTable("webauthn_challenges")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    // SHA-256 of the base64url challenge the options carried
    .addColumn("challenge_hash", "text", (col) => col.notNull().unique())
    // registration, signin or second_factor: a challenge answers only its own ceremony
    .addColumn("ceremony", "text", (col) => col.notNull())
    // The account a registration or a second-factor challenge was handed to; null for a sign-in's
    .addColumn("user_id", "uuid", (col) => col.references("users.id").onDelete("cascade"))
    // The password step a second-factor challenge belongs to
    .addColumn("mfa_challenge_id", "uuid")
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    .addColumn("expires_at", "timestamptz", (col) => col.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("webauthn_challenges_expires_at_idx").on("webauthn_challenges").column("expires_at")
    .execute();

  // `pwd`, or `hwk`/`swk` for a passkey without user verification: the amr of the finished sign-in
  await db.schema
    .alterTable("mfa_challenges")
    .addColumn("first_factor", "text", (col) => col.notNull().defaultTo("pwd"))
    .execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("mfa_challenges").dropColumn("first_factor").execute();
  await db.schema.dropTable("webauthn_challenges").execute();
  await db.schema.dropTable("passkeys").execute();
}
