import { sql } from "kysely";
import type { Executor, SecurityEventRow } from "../db/schema.ts";
import { newRowId } from "../ids.ts";
import type { NewSecurityEvent } from "./security-events.ts";

/** An event of an admin action: who did it (the API key's name) and what. */
export interface NewAdminEvent extends NewSecurityEvent {
  actor: string;
  details: Record<string, unknown>;
}

export async function recordAdminEvent(db: Executor, event: NewAdminEvent): Promise<void> {
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
      actor: event.actor,
      // As text, so no driver serializes the JSON a second time
      details: sql`${JSON.stringify(event.details)}::text::jsonb`,
    })
    .execute();
}

export interface EventFilter {
  userId?: string;
  type?: string;
  /** Inclusive */
  since?: Date;
  /** Exclusive */
  until?: Date;
  /** The last event of the previous page or batch */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * Events of every user in the order they were recorded, (created_at, id) ascending: a
 * keyset page, so an export of any length runs as a series of index range scans.
 */
export function listEvents(db: Executor, filter: EventFilter): Promise<SecurityEventRow[]> {
  let query = db.selectFrom("security_events").selectAll();
  if (filter.userId) query = query.where("user_id", "=", filter.userId);
  if (filter.type) query = query.where("type", "=", filter.type);
  if (filter.since) query = query.where("created_at", ">=", filter.since);
  if (filter.until) query = query.where("created_at", "<", filter.until);
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb(
        eb.refTuple("created_at", "id"),
        ">",
        eb.tuple(sql<Date>`${after.createdAt}::timestamptz`, sql<string>`${after.id}::uuid`),
      )
    );
  }
  return query.orderBy("created_at").orderBy("id").limit(filter.limit).execute();
}
