import type { Transaction } from "kysely";
import type { DB } from "../../db/schema.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import { withEvents } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import type { MfaDeps } from "./mfa-deps.ts";

/**
 * Records the event (with the change itself, when given) in one transaction; the owner's mail
 * goes through the activity path the event maps to (services/activity/event-notices.ts), so a
 * burst of them (wrong codes) is one digest.
 */
export async function notice(
  deps: MfaDeps,
  user: { id: string },
  type: SecurityEventType,
  meta: RequestMeta,
  /** What changed, written in the same transaction */
  work?: (trx: Transaction<DB>) => Promise<void>,
): Promise<void> {
  const now = deps.clock.now();
  await withEvents(deps, async (trx, record) => {
    await work?.(trx);
    await record({ userId: user.id, type, ...meta, at: now });
  });
}

export function noticeRecoveryCodeUsed(deps: MfaDeps, user: { id: string }, meta: RequestMeta): Promise<void> {
  return notice(deps, user, "recovery_code_used", meta);
}
