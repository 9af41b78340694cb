import { sql } from "kysely";
import type { Executor, SigningKeyRow, SigningKeyState } from "../db/schema.ts";

export interface NewSigningKey {
  kid: string;
  alg: "EdDSA" | "ES256";
  publicJwk: string;
  privateSealed: string;
  now: Date;
}

export async function insertSigningKey(db: Executor, key: NewSigningKey): Promise<void> {
  await db
    .insertInto("signing_keys")
    .values({
      kid: key.kid,
      alg: key.alg,
      state: "standby",
      public_jwk: key.publicJwk,
      private_sealed: key.privateSealed,
      created_at: key.now,
    })
    .execute();
}

/** Every key, newest first (the CLI's list). */
export function listSigningKeys(db: Executor): Promise<SigningKeyRow[]> {
  return db.selectFrom("signing_keys").selectAll().orderBy("created_at", "desc").orderBy("kid").execute();
}

/** The keys that verify and are published: standby, current and previous. */
export function listPublishedSigningKeys(db: Executor): Promise<SigningKeyRow[]> {
  return db
    .selectFrom("signing_keys")
    .selectAll()
    .where("state", "in", ["standby", "current", "previous"])
    .orderBy("created_at", "desc")
    .orderBy("kid")
    .execute();
}

/** Locks one key row for a state change. */
export function lockSigningKey(db: Executor, kid: string): Promise<SigningKeyRow | undefined> {
  return db.selectFrom("signing_keys").selectAll().where("kid", "=", kid).forUpdate().executeTakeFirst();
}

/** Locks the current key, if any. */
export function lockCurrentSigningKey(db: Executor): Promise<SigningKeyRow | undefined> {
  return db.selectFrom("signing_keys").selectAll().where("state", "=", "current").forUpdate().executeTakeFirst();
}

/** Moves a key to `state`, stamping the matching time column; retired and revoked keys lose their private half. */
export async function setSigningKeyState(
  db: Executor,
  kid: string,
  state: Exclude<SigningKeyState, "standby">,
  now: Date,
): Promise<void> {
  const stamp = {
    current: { activated_at: now },
    previous: { superseded_at: now },
    retired: { retired_at: now, private_sealed: null },
    revoked: { revoked_at: now, private_sealed: null },
  }[state];
  await db.updateTable("signing_keys").set({ state, ...stamp }).where("kid", "=", kid).execute();
}

/** Retires every previous key superseded before `cutoff`; returns their kids. */
export async function retireSupersededKeys(db: Executor, cutoff: Date, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable("signing_keys")
    .set({ state: "retired", retired_at: now, private_sealed: null })
    .where("state", "=", "previous")
    .where("superseded_at", "<=", cutoff)
    .returning("kid")
    .execute();
  return rows.map((row) => row.kid);
}

/**
 * Whether a token may already have been signed for this database: a key of it has been current,
 * or an account exists (tokens signed with HS256, or by the backend before this one).
 */
export async function mayHaveSignedTokens(db: Executor): Promise<boolean> {
  const row = await db.selectNoFrom((eb) => [
    eb.exists(
      eb.selectFrom("signing_keys").select(sql.lit(1).as("one")).where("activated_at", "is not", null),
    ).as("key_signed"),
    eb.exists(eb.selectFrom("users").select(sql.lit(1).as("one"))).as("accounts"),
  ]).executeTakeFirstOrThrow();
  return Boolean(row.key_signed) || Boolean(row.accounts);
}
