import { sql } from "kysely";
import { compiledOnce } from "../db/compiled-once.ts";
import type { Executor, SessionRow } from "../db/schema.ts";
import { ABOVE_EVERY_ROW, type KeysetPosition } from "./keyset.ts";

export interface NewSession {
  /** Chosen by the caller, so tokens naming it can be signed before the row exists */
  id: string;
  userId: string;
  ip: string | null;
  userAgent: string | null;
  now: Date;
  expiresAt: Date;
  /** How the sign-in was proven: RFC 8176 methods, assurance level, when */
  amr: string[];
  aal: 1 | 2;
  authTime: Date;
  /** The sign-in's User-Agent, parsed once here rather than on every sessions page */
  device: { browser: string | null; os: string | null; type: string | null; label: string };
  /** The sign-in presented a valid device token of the account */
  knownDevice: boolean;
}

export async function insertSession(db: Executor, session: NewSession): Promise<SessionRow> {
  return await db
    .insertInto("sessions")
    .values({
      id: session.id,
      user_id: session.userId,
      created_at: session.now,
      last_used_at: session.now,
      expires_at: session.expiresAt,
      ip: session.ip,
      user_agent: session.userAgent,
      amr: session.amr.join(" "),
      aal: session.aal,
      auth_time: session.authTime,
      device_browser: session.device.browser,
      device_os: session.device.os,
      device_type: session.device.type,
      device_label: session.device.label,
      known_device: session.knownDevice,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Locks the user's session row (see lockSession) and reads what a refresh decides on in
 * the same round trip: the session's state and the user's current token version.
 */
const selectSessionForRefresh = compiledOnce((db, userId: string, sessionId: string) =>
  db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select([
      "sessions.id",
      "sessions.created_at",
      "sessions.revoked_at",
      "sessions.expires_at",
      "users.token_version",
      "users.disabled_at",
      "users.disabled_until",
    ])
    .where("sessions.id", "=", sessionId)
    .where("sessions.user_id", "=", userId)
    .forUpdate("sessions")
);

export async function lockUserSessionForRefresh(db: Executor, userId: string, sessionId: string) {
  return (await selectSessionForRefresh(db, userId, sessionId)).rows[0];
}

/**
 * What a sessions page shows of each session: only these columns are read, and the times come
 * as the API writes them (RFC 3339, UTC, milliseconds, as `Date.toISOString` gives).
 */
export interface ListedSession extends
  Pick<
    SessionRow,
    | "id"
    | "ip"
    | "user_agent"
    | "amr"
    | "aal"
    | "device_browser"
    | "device_os"
    | "device_type"
    | "device_label"
    | "known_device"
    | "name"
  > {
  created_at_iso: string;
  last_used_at_iso: string;
  auth_time_iso: string;
}

/**
 * A time column formatted by PostgreSQL as the API writes it. Parsing each into a Date and
 * formatting it back cost the service about 1 µs a value, a tenth of a 50-session page's CPU;
 * PostgreSQL's formatting costs it 0.2 µs more than the text it sends anyway. Aliased apart from
 * the column, so ORDER BY still means the column (and its index), not the text.
 */
function apiTime(column: "created_at" | "last_used_at") {
  return sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as(
    `${column}_iso`,
  );
}

function liveSessions(db: Executor, userId: string, now: Date) {
  return db
    .selectFrom("sessions")
    .select(["id", apiTime("created_at"), apiTime("last_used_at"), "ip", "user_agent", "amr", "aal"])
    .select(["device_browser", "device_os", "device_type", "device_label", "known_device", "name"])
    // Sessions from before auth_time was kept were proven when they were created
    .select(sql<string>`to_char(coalesce(auth_time, created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      .as("auth_time_iso"))
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now);
}

/** One live session of the user as a sessions page shows it; undefined when unknown, another user's or ended. */
export async function findListedSession(
  db: Executor,
  userId: string,
  sessionId: string,
  now: Date,
): Promise<ListedSession | undefined> {
  return await liveSessions(db, userId, now).where("id", "=", sessionId).executeTakeFirst();
}

const sessionsPage = compiledOnce((db, userId: string, now: Date, createdAt: Date, id: string, limit: number) =>
  liveSessions(db, userId, now)
    // A row comparison, not `a < x or (a = x and b < y)`: only the row form bounds the index scan,
    // so a page 50,000 rows deep reads 21 index entries instead of 50,021
    .where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(createdAt, id)))
    // Implied by the row comparison, so no row changes. It is for the one plan PostgreSQL keeps for a
    // prepared statement after five runs (the generic plan, costed for an average user): without it
    // that plan could be a bitmap scan of every row before the cursor and a sort (5,000 rows read,
    // 1.2 ms, for a page 5,000 deep among 10,000 sessions); with it, the index in order
    .where("created_at", "<=", createdAt)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
);

/**
 * One page of the sessions that can still refresh (not revoked, not expired), newest first;
 * `before` is the keyset cursor. Every index of sessions that leads with user_id is in this
 * order (2026_11_29_0011), so a deep page reads as few rows as the first.
 */
export async function listActiveSessions(
  db: Executor,
  userId: string,
  now: Date,
  options: { limit: number; before?: KeysetPosition },
): Promise<ListedSession[]> {
  // A first page starts above every row: one statement, and its kept plan reads the index in order
  const { createdAt, id } = options.before ?? ABOVE_EVERY_ROW;
  return (await sessionsPage(db, userId, now, createdAt, id, options.limit)).rows;
}

/**
 * Locks a session row until the transaction ends. Every transaction that changes a session
 * and its refresh tokens takes this lock first, so logout and refresh never lock the two
 * tables in opposite orders (which deadlocks).
 */
export async function lockSession(db: Executor, sessionId: string): Promise<{ userAgent: string | null } | undefined> {
  const row = await db.selectFrom("sessions").select(["id", "user_agent"]).where("id", "=", sessionId).forUpdate()
    .executeTakeFirst();
  return row && { userAgent: row.user_agent };
}

/** Revokes one session of the user; false when it was unknown, another user's or already revoked. */
export async function revokeSession(
  db: Executor,
  userId: string,
  sessionId: string,
  revocation: { now: Date; reason: string },
): Promise<boolean> {
  const result = await db
    .updateTable("sessions")
    .set({ revoked_at: revocation.now, revoked_reason: revocation.reason })
    .where("id", "=", sessionId)
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Names one live session of the user; false when it is unknown, another user's, ended or expired. */
export async function renameSession(
  db: Executor,
  userId: string,
  sessionId: string,
  change: { name: string; now: Date },
): Promise<boolean> {
  const result = await db
    .updateTable("sessions")
    .set({ name: change.name })
    .where("id", "=", sessionId)
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", change.now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Revokes every live session of the user, but `exceptSessionId` when given; returns their ids. */
export async function revokeUserSessions(
  db: Executor,
  userId: string,
  revocation: { now: Date; reason: string },
  exceptSessionId?: string,
): Promise<string[]> {
  let query = db
    .updateTable("sessions")
    .set({ revoked_at: revocation.now, revoked_reason: revocation.reason })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (exceptSessionId) query = query.where("id", "<>", exceptSessionId);
  const rows = await query.returning("id").execute();
  return rows.map((row) => row.id);
}

/** Records how and when the session's user last proved who they are (POST /auth/reauthenticate). */
export async function updateSessionAssurance(
  db: Executor,
  sessionId: string,
  assurance: { amr: string[]; aal: 1 | 2; authTime: Date },
): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ amr: assurance.amr.join(" "), aal: assurance.aal, auth_time: assurance.authTime })
    .where("id", "=", sessionId)
    .execute();
}
