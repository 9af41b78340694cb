import type { Selectable } from "kysely";
import type { Executor, PasskeysTable } from "../db/schema.ts";

export type PasskeyRow = Omit<Selectable<PasskeysTable>, "counter"> & { counter: number };

export interface NewPasskey {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  aaguid: string;
  name: string;
  now: Date;
}

function withNumberCounter<T extends { counter: string | number }>(row: T): Omit<T, "counter"> & { counter: number } {
  return { ...row, counter: Number(row.counter) };
}

/** Saves a credential; false when its credential id is already registered (to any account). */
export async function insertPasskey(db: Executor, passkey: NewPasskey): Promise<boolean> {
  const row = await db
    .insertInto("passkeys")
    .values({
      id: passkey.id,
      user_id: passkey.userId,
      credential_id: passkey.credentialId,
      public_key: passkey.publicKey,
      counter: passkey.counter,
      transports: passkey.transports.join(" "),
      device_type: passkey.deviceType,
      backed_up: passkey.backedUp,
      aaguid: passkey.aaguid,
      name: passkey.name,
      created_at: passkey.now,
    })
    .onConflict((oc) => oc.column("credential_id").doNothing())
    .returning("id")
    .executeTakeFirst();
  return Boolean(row);
}

/** The account's passkeys, oldest first. */
export async function listPasskeys(db: Executor, userId: string): Promise<PasskeyRow[]> {
  const rows = await db.selectFrom("passkeys").selectAll().where("user_id", "=", userId)
    .orderBy("created_at").orderBy("id").execute();
  return rows.map(withNumberCounter);
}

export async function findPasskeyByCredentialId(db: Executor, credentialId: string): Promise<PasskeyRow | undefined> {
  const row = await db.selectFrom("passkeys").selectAll().where("credential_id", "=", credentialId)
    .executeTakeFirst();
  return row && withNumberCounter(row);
}

export async function hasPasskey(db: Executor, userId: string): Promise<boolean> {
  const row = await db.selectFrom("passkeys").select("id").where("user_id", "=", userId).limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * Records a use: the new counter only while the stored one is still the one checked against,
 * so of two racing assertions with the same counter one wins.
 */
export async function recordPasskeyUse(
  db: Executor,
  use: { id: string; seenCounter: number; newCounter: number; backedUp: boolean; now: Date },
): Promise<boolean> {
  const row = await db
    .updateTable("passkeys")
    .set({ counter: use.newCounter, backed_up: use.backedUp, last_used_at: use.now })
    .where("id", "=", use.id)
    .where("counter", "=", use.seenCounter)
    .returning("id")
    .executeTakeFirst();
  return Boolean(row);
}

/** Renames the account's passkey; false when it has none with this id. */
export async function renamePasskey(db: Executor, userId: string, id: string, name: string): Promise<boolean> {
  const row = await db.updateTable("passkeys").set({ name }).where("id", "=", id).where("user_id", "=", userId)
    .returning("id").executeTakeFirst();
  return Boolean(row);
}

/** Removes the account's passkey; its name, or null when it has none with this id. */
export async function deletePasskey(db: Executor, userId: string, id: string): Promise<string | null> {
  const row = await db.deleteFrom("passkeys").where("id", "=", id).where("user_id", "=", userId)
    .returning("name").executeTakeFirst();
  return row?.name ?? null;
}

/** Removes the user's passkeys added since `since`; resolves to how many. */
export async function deletePasskeysAddedSince(db: Executor, userId: string, since: Date): Promise<number> {
  const removed = await db.deleteFrom("passkeys").where("user_id", "=", userId).where("created_at", ">", since)
    .returning("id").execute();
  return removed.length;
}
