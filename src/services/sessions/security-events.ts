import { listSecurityEvents } from "../../repositories/security-events.ts";
import type { SessionContext } from "./context.ts";
import type { AuthContext } from "../identity.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import { decodeCursor, encodeCursor } from "../keyset-cursor.ts";

/** One entry of the user's audit trail. */
export interface SecurityEventView {
  id: string;
  type: SecurityEventType;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: string;
}

export interface SecurityEventPage {
  events: SecurityEventView[];
  next_cursor: string | null;
}

/** One page of the caller's own security events, newest first. */
export async function listOwnSecurityEvents(
  ctx: SessionContext,
  auth: AuthContext,
  page: { limit: number; cursor?: string },
): Promise<SecurityEventPage> {
  const before = page.cursor ? await decodeCursor(ctx.config, auth.userId, page.cursor) : undefined;
  const rows = await listSecurityEvents(ctx.db, auth.userId, { limit: page.limit + 1, before });
  const visible = rows.slice(0, page.limit);
  const last = visible.at(-1);
  return {
    events: visible.map((row) => ({
      id: row.id,
      // Written only through recordSecurityEvent, whose type is the closed set
      type: row.type as SecurityEventType,
      ip: row.ip,
      user_agent: row.user_agent,
      request_id: row.request_id,
      created_at: row.created_at.toISOString(),
    })),
    next_cursor: rows.length > page.limit && last
      ? await encodeCursor(ctx.config, auth.userId, { createdAt: last.created_at, id: last.id })
      : null,
  };
}
