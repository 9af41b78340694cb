import { type RawBuilder, sql } from "kysely";
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

/** One page of a user's events, newest first; `before` is the keyset cursor. */
export function listSecurityEvents(
  db: Executor,
  userId: string,
  options: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<SecurityEventRow[]> {
  let query = db.selectFrom("security_events").selectAll().where("user_id", "=", userId);
  const before = options.before;
  if (before) {
    // A row comparison, not `a < x or (a = x and b < y)`: only the row form bounds the index scan,
    // so a page 50,000 rows deep reads 21 index entries instead of 50,021
    query = query
      .where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(before.createdAt, before.id)))
      // Implied by the row comparison, so no row changes. It is for the one plan PostgreSQL keeps for a
      // prepared statement after five runs (the generic plan, costed for an average user): without it
      // that plan could be a bitmap scan of every row before the cursor and a sort (5,000 rows read,
      // 1.2 ms, for a page 5,000 deep among 10,000 sessions); with it, the index in order
      .where("created_at", "<=", before.createdAt);
  }
  return query.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit).execute();
}
