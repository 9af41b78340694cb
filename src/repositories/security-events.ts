import { type RawBuilder, sql } from "kysely";
import { compiledOnce } from "../db/compiled-once.ts";
import type { Executor, SecurityEventRow } from "../db/schema.ts";
import { newRowId } from "../ids.ts";
import { ABOVE_EVERY_ROW, type KeysetPosition } from "./keyset.ts";
import type { SecurityEventType } from "../security-event-types.ts";

export interface NewSecurityEvent {
  userId: string | null;
  type: SecurityEventType;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  at: Date;
}

/** Events get time-ordered ids (src/ids.ts): the table is the largest, and grows on every sign-in. */
export async function recordSecurityEvent(db: Executor, event: NewSecurityEvent): Promise<void> {
  await db
    .insertInto("security_events")
    .values({
      id: newRowId(),
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
    insert into security_events (id, user_id, type, ip, user_agent, request_id, created_at)
    values (${newRowId()}::uuid, ${event.userId}::uuid, ${event.type}, ${event.ip}, ${event.userAgent}, ${event.requestId}, ${event.at}::timestamptz)`;
}

const eventsPage = compiledOnce((db, userId: string, createdAt: Date, id: string, limit: number) =>
  db.selectFrom("security_events").selectAll().where("user_id", "=", userId)
    // A row comparison, not `a < x or (a = x and b < y)`: only the row form bounds the index scan,
    // so a page 50,000 rows deep reads 21 index entries instead of 50,021
    .where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(createdAt, id)))
    // Implied by the row comparison: it keeps the plan PostgreSQL keeps for every user an index
    // scan in order (see ABOVE_EVERY_ROW)
    .where("created_at", "<=", createdAt)
    .orderBy("created_at", "desc").orderBy("id", "desc").limit(limit)
);

/** One page of a user's events, newest first; `before` is the keyset cursor. */
export async function listSecurityEvents(
  db: Executor,
  userId: string,
  options: { limit: number; before?: KeysetPosition },
): Promise<SecurityEventRow[]> {
  const { createdAt, id } = options.before ?? ABOVE_EVERY_ROW;
  return (await eventsPage(db, userId, createdAt, id, options.limit)).rows;
}
