import { compiledOnce } from "../db/compiled-once.ts";
import type { AdminApiKeyRow, Executor } from "../db/schema.ts";

export interface NewAdminApiKey {
  name: string;
  keyHash: string;
  scopes: string[];
  now: Date;
  expiresAt: Date | null;
}

/** Inserts a key unless its name is taken; undefined means it was. */
export function insertAdminApiKey(db: Executor, key: NewAdminApiKey): Promise<AdminApiKeyRow | undefined> {
  return db
    .insertInto("admin_api_keys")
    .values({
      name: key.name,
      key_hash: key.keyHash,
      scopes: key.scopes.join(" "),
      created_at: key.now,
      expires_at: key.expiresAt,
    })
    .onConflict((oc) => oc.column("name").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Inserts the key, or gives an existing key of that name this hash, scopes and a fresh start. */
export function replaceAdminApiKey(db: Executor, key: NewAdminApiKey): Promise<AdminApiKeyRow> {
  return db
    .insertInto("admin_api_keys")
    .values({
      name: key.name,
      key_hash: key.keyHash,
      scopes: key.scopes.join(" "),
      created_at: key.now,
      expires_at: key.expiresAt,
    })
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({
        key_hash: key.keyHash,
        scopes: key.scopes.join(" "),
        created_at: key.now,
        expires_at: key.expiresAt,
        last_used_at: null,
        revoked_at: null,
      })
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

const selectKeyByHash = compiledOnce((db, keyHash: string) =>
  db.selectFrom("admin_api_keys")
    .select(["id", "name", "scopes", "expires_at", "revoked_at", "last_used_at"])
    .where("key_hash", "=", keyHash)
);

/** The key with this hash, revoked and expired ones included (the caller decides). */
export async function findAdminApiKeyByHash(db: Executor, keyHash: string) {
  return (await selectKeyByHash(db, keyHash)).rows[0];
}

/** Records a use, at most once per `staleBefore` window per key, so busy keys do not write on every request. */
export async function touchAdminApiKey(db: Executor, id: string, now: Date, staleBefore: Date): Promise<void> {
  await db
    .updateTable("admin_api_keys")
    .set({ last_used_at: now })
    .where("id", "=", id)
    .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", staleBefore)]))
    .execute();
}

export function listAdminApiKeys(db: Executor): Promise<AdminApiKeyRow[]> {
  return db.selectFrom("admin_api_keys").selectAll().orderBy("created_at").orderBy("name").execute();
}

/** Revokes a live key by name; undefined when there is none of that name or it is already revoked. */
export function revokeAdminApiKey(db: Executor, name: string, now: Date): Promise<AdminApiKeyRow | undefined> {
  return db
    .updateTable("admin_api_keys")
    .set({ revoked_at: now })
    .where("name", "=", name)
    .where("revoked_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}
