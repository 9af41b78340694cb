import type { Transaction } from "kysely";
import type { DB } from "../../db/schema.ts";
import { type SecondFactorChange, secondFactorMail } from "../../mail/mfa-templates.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import { withEvents } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import { queueMail } from "../accounts/signup/verification-mail.ts";
import type { MfaDeps } from "./mfa-deps.ts";

/** Records the event and queues the owner's notice in one transaction (with the change itself, when given). */
export async function notice(
  deps: MfaDeps,
  user: { id: string; email: string; name: string | null },
  type: SecurityEventType,
  change: SecondFactorChange,
  meta: RequestMeta,
  /** What changed, written in the same transaction */
  work?: (trx: Transaction<DB>) => Promise<void>,
): Promise<void> {
  const now = deps.clock.now();
  await withEvents(deps, async (trx, record) => {
    await work?.(trx);
    await queueMail(trx, secondFactorMail(user.email, user.name, change, deps.config.accountPagesUrl), now);
    await record({ userId: user.id, type, ...meta, at: now });
  });
}

export function noticeRecoveryCodeUsed(
  deps: MfaDeps,
  user: { id: string; email: string; name: string | null },
  meta: RequestMeta,
): Promise<void> {
  return notice(deps, user, "recovery_code_used", "recovery_code_used", meta);
}
