import { type Kysely, sql } from "kysely";

/**
 * Outside the migrator's transaction: the tables and columns change in a transaction of their
 * own, then the index on refresh_tokens builds CONCURRENTLY. A plain build in the same
 * transaction held refresh_tokens' ACCESS EXCLUSIVE lock (from ADD COLUMN) for the whole scan:
 * seconds of blocked refreshes at a million users (docs/architecture.md, "Migrations").
 */
export const transactional = false;

// deno-lint-ignore no-explicit-any -- migrations are frozen in time: they never import app types
export async function up(db: Kysely<any>): Promise<void> {
  await db.transaction().execute((trx) => changeTables(trx));
  // The pair a refresh token was exchanged for is kept for the reuse grace window: found by session
  const { rows } = await sql<{ valid: boolean }>`
    select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname = 'refresh_tokens_sealed_idx' and c.relnamespace = current_schema()::regnamespace`.execute(db);
  if (rows[0] && !rows[0].valid) await sql`drop index concurrently if exists refresh_tokens_sealed_idx`.execute(db);
  await sql`
    create index concurrently if not exists refresh_tokens_sealed_idx on refresh_tokens (session_id)
    where successor_sealed is not null`.execute(db);
}

// deno-lint-ignore no-explicit-any -- see up()
async function changeTables(db: Kysely<any>): Promise<void> {
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
}

// deno-lint-ignore no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("refresh_tokens_sealed_idx").execute();
  await db.schema.alterTable("refresh_tokens").dropColumn("successor_sealed").execute();
  await db.schema.alterTable("password_reset_tokens").dropColumn("hmac_key_id").execute();
  await db.schema.alterTable("email_otps").dropColumn("hmac_key_id").execute();
  await db.schema.dropTable("signing_keys").execute();
}
