import type { SecurityEventRow } from "../../db/schema.ts";
import { listEvents } from "../../repositories/admin-security-events.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import type { AdminContext } from "./context.ts";
import { decodeAdminPosition, encodeAdminCursor } from "../keyset-cursor.ts";

/** An event of any user, with the admin key behind it when an administrator acted. */
export interface AdminEventView {
  id: string;
  user_id: string | null;
  type: SecurityEventType;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: string;
  actor: string | null;
  details: Record<string, unknown> | null;
}

export interface EventQuery {
  user_id?: string;
  type?: SecurityEventType;
  since?: Date;
  until?: Date;
  cursor?: string;
  limit: number;
}

export interface AdminEventPage {
  events: AdminEventView[];
  next_cursor: string | null;
}

const EVENTS_CURSOR = "events";
/** Rows per statement of an export: memory stays at one batch whatever the range */
export const EXPORT_BATCH = 1000;

function eventView(row: SecurityEventRow): AdminEventView {
  return {
    id: row.id,
    user_id: row.user_id,
    // Written only through the event recorders, whose type is the closed set
    type: row.type as SecurityEventType,
    ip: row.ip,
    user_agent: row.user_agent,
    request_id: row.request_id,
    created_at: row.created_at.toISOString(),
    actor: row.actor,
    details: row.details,
  };
}

async function position(ctx: AdminContext, cursor: string | undefined) {
  if (!cursor) return undefined;
  return await decodeAdminPosition(ctx.config, EVENTS_CURSOR, cursor);
}

function filterOf(query: EventQuery) {
  return { userId: query.user_id, type: query.type, since: query.since, until: query.until };
}

/** One page of every user's events, oldest first, so later pages only ever grow. */
export async function listEventPage(ctx: AdminContext, query: EventQuery): Promise<AdminEventPage> {
  const after = await position(ctx, query.cursor);
  const rows = await listEvents(ctx.db, { ...filterOf(query), after, limit: query.limit + 1 });
  const visible = rows.slice(0, query.limit);
  const last = visible.at(-1);
  return {
    events: visible.map(eventView),
    next_cursor: rows.length > query.limit && last
      ? await encodeAdminCursor(ctx.config, EVENTS_CURSOR, [last.created_at.toISOString(), last.id])
      : null,
  };
}

/**
 * Every event of the range (from `cursor` when given), in batches of EXPORT_BATCH read one
 * keyset statement at a time as the consumer asks for them: an export of any size holds one
 * batch in memory. The cursor is checked before the first batch, so a bad one is still a 422.
 */
export async function exportEvents(ctx: AdminContext, query: EventQuery): Promise<AsyncIterable<AdminEventView[]>> {
  const start = await position(ctx, query.cursor);
  const filter = filterOf(query);
  return {
    async *[Symbol.asyncIterator]() {
      let after = start;
      while (true) {
        const rows = await listEvents(ctx.db, { ...filter, after, limit: EXPORT_BATCH });
        if (rows.length > 0) yield rows.map(eventView);
        if (rows.length < EXPORT_BATCH) return;
        const last = rows[rows.length - 1];
        after = { createdAt: last.created_at, id: last.id };
      }
    },
  };
}
