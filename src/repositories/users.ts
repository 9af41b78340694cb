import type { Transaction } from "kysely";
import { compiledOnce } from "../db/compiled-once.ts";
import type { DB, Executor, NewUser, UserRow } from "../db/schema.ts";

/** A user id no row has: a statement for "nobody" runs like any other and matches nothing. */
export const NO_USER = "00000000-0000-0000-0000-000000000000";

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** What a user may see of their own account: no hash, no counters. */
export const USER_PROFILE_COLUMNS = ["id", "email", "name", "email_verified", "created_at"] as const;
export type UserProfile = Pick<UserRow, typeof USER_PROFILE_COLUMNS[number]>;

const selectUserProfile = compiledOnce((db, id: string) =>
  db.selectFrom("users").select(USER_PROFILE_COLUMNS).where("id", "=", id)
);

/** The profile columns only: the read behind every GET /auth/me. */
export async function findUserProfile(db: Executor, id: string): Promise<UserProfile | undefined> {
  return (await selectUserProfile(db, id)).rows[0];
}

/** Inserts a user unless the normalized email exists; undefined means it already did. */
export function insertUserIfAbsent(db: Executor, user: NewUser): Promise<UserRow | undefined> {
  return db
    .insertInto("users")
    .values(user)
    .onConflict((oc) => oc.column("email_normalized").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Bumps token_version, invalidating every token of the user; returns the new version. */
export async function bumpTokenVersion(db: Executor, userId: string, now: Date): Promise<number> {
  const row = await db
    .updateTable("users")
    .set((eb) => ({ token_version: eb("token_version", "+", 1), updated_at: now }))
    .where("id", "=", userId)
    .returning("token_version")
    .executeTakeFirstOrThrow();
  return row.token_version;
}

/**
 * Reads a live user and locks the row until the transaction ends (serializes mail throttling per
 * account). An account waiting for erasure is not found, as an unknown address is not.
 */
export function lockUserByEmail(trx: Transaction<DB>, emailNormalized: string): Promise<UserRow | undefined> {
  return trx
    .selectFrom("users")
    .selectAll()
    .where("email_normalized", "=", emailNormalized)
    .where("deletion_due_at", "is", null)
    .forUpdate()
    .executeTakeFirst();
}

/** Reads a user by id and locks the row until the transaction ends. */
export function lockUserById(trx: Transaction<DB>, id: string): Promise<UserRow | undefined> {
  return trx.selectFrom("users").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/** The account holding an address, live or waiting for erasure (both keep it taken). */
export function findUserByEmail(db: Executor, emailNormalized: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("email_normalized", "=", emailNormalized).executeTakeFirst();
}

/** Sets the display name; returns the profile, or undefined for no such live account. */
export function updateUserName(
  db: Executor,
  userId: string,
  name: string,
  now: Date,
): Promise<UserProfile | undefined> {
  return db
    .updateTable("users")
    .set({ name, updated_at: now })
    .where("id", "=", userId)
    .where("deletion_due_at", "is", null)
    .returning(USER_PROFILE_COLUMNS)
    .executeTakeFirst();
}

/** Moves the account to a proven address. */
export async function updateEmail(
  db: Executor,
  userId: string,
  email: { email: string; emailNormalized: string },
  now: Date,
): Promise<UserProfile> {
  return await db
    .updateTable("users")
    .set({ email: email.email, email_normalized: email.emailNormalized, email_verified: true, updated_at: now })
    .where("id", "=", userId)
    .returning(USER_PROFILE_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** Marks the account for erasure at `dueAt` (null: keeps it). */
export async function setDeletionDue(db: Executor, userId: string, dueAt: Date | null, now: Date): Promise<void> {
  await db.updateTable("users").set({ deletion_due_at: dueAt, updated_at: now }).where("id", "=", userId).execute();
}

export async function markEmailVerified(db: Executor, userId: string, now: Date): Promise<void> {
  await db.updateTable("users").set({ email_verified: true, updated_at: now }).where("id", "=", userId).execute();
}

export async function updatePasswordHash(db: Executor, userId: string, passwordHash: string, now: Date): Promise<void> {
  await db.updateTable("users").set({ password_hash: passwordHash, updated_at: now }).where("id", "=", userId)
    .execute();
}

/**
 * Replaces the hash only while it is still `previousHash`: a password changed in the meantime
 * is never overwritten by a rehash of the old one.
 */
export async function replacePasswordHash(
  db: Executor,
  userId: string,
  previousHash: string,
  passwordHash: string,
  now: Date,
): Promise<void> {
  await db.updateTable("users").set({ password_hash: passwordHash, updated_at: now })
    .where("id", "=", userId).where("password_hash", "=", previousHash).execute();
}

/** Deletes an account that never proved its address (a sign-up holding an address its owner takes back). */
export async function deleteUnverifiedUser(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom("users").where("id", "=", userId).where("email_verified", "=", false).execute();
}
