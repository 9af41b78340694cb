import { sql } from "kysely";
import type { Executor, UserRow } from "../db/schema.ts";

/** Devices remembered per user; signing in on another one forgets the least recently used. */
export const MAX_KNOWN_DEVICES = 10;

/**
 * The account of an address and, when `deviceTokenHash` names one of its devices that is
 * still valid (same token version, not expired), that device's id — one statement, the
 * same whether or not the address has an account or a token was sent.
 */
export async function findUserAndDevice(
  db: Executor,
  emailNormalized: string,
  deviceTokenHash: string | null,
  now: Date,
): Promise<{ user: UserRow; deviceId: string | null } | undefined> {
  const row = await db
    .selectFrom("users")
    .leftJoin("known_devices", (join) =>
      join
        .onRef("known_devices.user_id", "=", "users.id")
        .onRef("known_devices.token_version", "=", "users.token_version")
        .on("known_devices.token_hash", "=", deviceTokenHash ?? "")
        .on("known_devices.expires_at", ">", now))
    .selectAll("users")
    .select("known_devices.id as device_id")
    .where("users.email_normalized", "=", emailNormalized)
    // An account waiting for erasure signs in as an unknown address does
    .where("users.deletion_due_at", "is", null)
    .executeTakeFirst();
  if (!row) return undefined;
  const { device_id: deviceId, ...user } = row;
  return { user, deviceId };
}

/** The id of the user's live device with this token hash (for the user's current token version), if any. */
export async function findKnownDevice(
  db: Executor,
  user: { id: string; token_version: number },
  deviceTokenHash: string,
  now: Date,
): Promise<string | undefined> {
  const row = await db.selectFrom("known_devices").select("id")
    .where("user_id", "=", user.id)
    .where("token_version", "=", user.token_version)
    .where("token_hash", "=", deviceTokenHash)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row?.id;
}

/** Extends a known device's life after a successful sign-in from it. */
export async function touchKnownDevice(db: Executor, id: string, now: Date, expiresAt: Date): Promise<void> {
  await db.updateTable("known_devices").set({ last_used_at: now, expires_at: expiresAt }).where("id", "=", id)
    .execute();
}

/**
 * Remembers a device (the SHA-256 of its token) for the user's current token version, and
 * forgets the user's expired, outdated and least recently used devices beyond the cap.
 */
export async function insertKnownDevice(
  db: Executor,
  device: { userId: string; tokenHash: string; tokenVersion: number; now: Date; expiresAt: Date },
): Promise<void> {
  const { userId, now } = device;
  await sql`
    with forgotten as (
      delete from known_devices
      where user_id = ${userId}::uuid and (
        expires_at <= ${now}::timestamptz or token_version <> ${device.tokenVersion}
        or id not in (
          select id from known_devices where user_id = ${userId}::uuid
          order by last_used_at desc, id desc limit ${MAX_KNOWN_DEVICES - 1}
        )
      )
    )
    insert into known_devices (user_id, token_hash, token_version, created_at, last_used_at, expires_at)
    values (${userId}::uuid, ${device.tokenHash}, ${device.tokenVersion}, ${now}::timestamptz, ${now}::timestamptz,
      ${device.expiresAt}::timestamptz)`.execute(db);
}

/**
 * Ends every device of the user now: no device token of theirs counts as known any more. The rows
 * stay until housekeeping forgets them, so the next sign-in still finds an account that signed
 * in before (and tells its owner about the device).
 */
export async function expireKnownDevices(db: Executor, userId: string, now: Date): Promise<void> {
  await db.updateTable("known_devices").set({ expires_at: now }).where("user_id", "=", userId)
    .where("expires_at", ">", now).execute();
}

/**
 * True when the user signed in before: a device is remembered (even one a reset, a report or its
 * age made unknown), or, once housekeeping forgot those, the trail holds a successful sign-in.
 */
export async function hasSignedInBefore(db: Executor, userId: string): Promise<boolean> {
  const row = await db.selectNoFrom((eb) => [
    eb.or([
      eb.exists(eb.selectFrom("known_devices").select("id").where("user_id", "=", userId)),
      eb.exists(
        eb.selectFrom("security_events").select("id").where("user_id", "=", userId)
          .where("type", "=", "signin_succeeded"),
      ),
    ]).as("before"),
  ]).executeTakeFirstOrThrow();
  return Boolean(row.before);
}
