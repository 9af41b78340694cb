import { listSecurityEvents } from "../../repositories/security-events.ts";
import type { SessionContext } from "./context.ts";
import type { AuthContext } from "./auth-context.ts";
import { AppError } from "../../errors.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import { base64url, fromBase64url, isUuid } from "../../encoding.ts";

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

/** The keyset position after an event, opaque to clients: base64url of `[created_at, id]`. */
export function encodeCursor(position: { createdAt: Date; id: string }): string {
  return base64url(new TextEncoder().encode(JSON.stringify([position.createdAt.toISOString(), position.id])));
}

/** Reads a cursor back; anything this service did not produce is a 422 on `cursor`. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64url(cursor)));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [createdAt, id] = parsed;
      const date = typeof createdAt === "string" ? new Date(createdAt) : new Date(NaN);
      if (!Number.isNaN(date.getTime()) && typeof id === "string" && isUuid(id)) return { createdAt: date, id };
    }
  } catch {
    // Falls through to the validation problem
  }
  throw new AppError("validation_failed", "The cursor is not one this service issued", {
    errors: [{ path: "cursor", message: "Invalid cursor" }],
  });
}

/** One page of the caller's own security events, newest first. */
export async function listOwnSecurityEvents(
  ctx: SessionContext,
  auth: AuthContext,
  page: { limit: number; cursor?: string },
): Promise<SecurityEventPage> {
  const before = page.cursor ? decodeCursor(page.cursor) : undefined;
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
    next_cursor: rows.length > page.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}
