import { type Kysely, sql } from "kysely";

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  // Asymmetric access-token keys: public halves in JWK form, private halves sealed (AES-GCM)
  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", "text", (col) => col.primaryKey())
    .addColumn("alg", "text", (col) => col.notNull().check(sql`alg in ('EdDSA', 'ES256')`))
    .addColumn(
      "state",
      "text",
      (col) => col.notNull().check(sql`state in ('standby', 'current', 'previous', 'retired', 'revoked')`),
    )
    .addColumn("public_jwk", "text", (col) => col.notNull())
    .addColumn("private_sealed", "text")
    .addColumn("created_at", "timestamptz", (col) => col.notNull())
    .addColumn("activated_at", "timestamptz")
    .addColumn("superseded_at", "timestamptz")
    .addColumn("retired_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  // At most one key signs
  await sql`create unique index signing_keys_one_current_idx on signing_keys (state) where state = 'current'`
    .execute(db);

  // Which code key (a fingerprint of HMAC_SECRET or JWT_SECRET) keyed each stored HMAC;
  // null: written before key ids (codes: the JWT_SECRET key; reset tokens: a plain SHA-256)
  await db.schema.alterTable("email_otps").addColumn("hmac_key_id", "text").execute();
  await db.schema.alterTable("password_reset_tokens").addColumn("hmac_key_id", "text").execute();

  // The pair a refresh token was exchanged for, sealed under a key derived from that token,
  // kept for the reuse grace window
  await db.schema.alterTable("refresh_tokens").addColumn("successor_sealed", "text").execute();
  await db.schema
    .createIndex("refresh_tokens_sealed_idx")
    .on("refresh_tokens")
    .column("session_id")
    .where(sql.ref("successor_sealed"), "is not", null)
    .execute();
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("refresh_tokens_sealed_idx").execute();
  await db.schema.alterTable("refresh_tokens").dropColumn("successor_sealed").execute();
  await db.schema.alterTable("password_reset_tokens").dropColumn("hmac_key_id").execute();
  await db.schema.alterTable("email_otps").dropColumn("hmac_key_id").execute();
  await db.schema.dropTable("signing_keys").execute();
}
