import type { Kysely, Transaction } from "kysely";
import type { DB, SecurityEventRow } from "../db/schema.ts";

type Executor = Kysely<DB> | Transaction<DB>;

/** Audit-trail event types; the set is closed so clients can switch on it. */
export const SECURITY_EVENT_TYPES = [
  "signup",
  "signin_succeeded",
  "signin_failed",
  "email_verified",
  "password_reset_requested",
  "password_reset",
  "refresh_token_reused",
  "session_revoked",
  "logout",
  "logout_all",
] as const;
export type SecurityEventType = typeof SECURITY_EVENT_TYPES[number];

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

/** One page of a user's events, newest first; `before` is the keyset cursor. */
export function listSecurityEvents(
  db: Executor,
  userId: string,
  options: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<SecurityEventRow[]> {
  let query = db.selectFrom("security_events").selectAll().where("user_id", "=", userId);
  const before = options.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb("created_at", "<", before.createdAt),
        eb.and([eb("created_at", "=", before.createdAt), eb("id", "<", before.id)]),
      ])
    );
  }
  return query.orderBy("created_at", "desc").orderBy("id", "desc").limit(options.limit).execute();
}
