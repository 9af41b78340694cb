import { type RawBuilder, sql } from "kysely";
import { compiledOnce } from "../db/compiled-once.ts";
import type { Executor, SecurityEventRow } from "../db/schema.ts";
import type { SecurityEventType } from "../security-event-types.ts";

export interface NewSecurityEvent {
  userId: string | null;
  type: SecurityEventType;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  at: Date;
}

export async function recordSecurityEvent(db: Executor, event: NewSecurityEvent): Promise<void> {
  await db
    .insertInto("security_events")
    .values({
      user_id: event.userId,
      type: event.type,
      ip: event.ip,
      user_agent: event.userAgent,
      request_id: event.requestId,
      created_at: event.at,
    })
    .execute();
}

/** recordSecurityEvent as an SQL fragment, to be the last part of a statement that writes more. */
export function insertSecurityEvent(event: NewSecurityEvent): RawBuilder<unknown> {
  return sql`
    insert into security_events (user_id, type, ip, user_agent, request_id, created_at)
    values (${event.userId}::uuid, ${event.type}, ${event.ip}, ${event.userAgent}, ${event.requestId}, ${event.at}::timestamptz)`;
}

const firstEventsPage = compiledOnce((db, userId: string, limit: number) =>
  db.selectFrom("security_events").selectAll().where("user_id", "=", userId)
    .orderBy("created_at", "desc").orderBy("id", "desc").limit(limit)
);

const laterEventsPage = compiledOnce((db, userId: string, createdAt: Date, id: string, limit: number) =>
  db.selectFrom("security_events").selectAll().where("user_id", "=", userId)
    // A row comparison, not `a < x or (a = x and b < y)`: only the row form bounds the index scan,
    // so a page 50,000 rows deep reads 21 index entries instead of 50,021
    .where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(createdAt, id)))
    // Implied by the row comparison: it keeps the plan PostgreSQL keeps for every user an index
    // scan in order (see listActiveSessions)
    .where("created_at", "<=", createdAt)
    .orderBy("created_at", "desc").orderBy("id", "desc").limit(limit)
);

/** One page of a user's events, newest first; `before` is the keyset cursor. */
export async function listSecurityEvents(
  db: Executor,
  userId: string,
  options: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<SecurityEventRow[]> {
  const before = options.before;
  const result = before
    ? await laterEventsPage(db, userId, before.createdAt, before.id, options.limit)
    : await firstEventsPage(db, userId, options.limit);
  return result.rows;
}
