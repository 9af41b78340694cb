import { AppError } from "../../../errors.ts";
import { accountDeletedMail, accountDeletionMail } from "../../../mail/templates.ts";
import { accountTokenDigests, newAccountToken } from "./account-tokens.ts";
import {
  deleteAccountTokens,
  findLiveAccountToken,
  retireAccountTokens,
  revertableAddresses,
  storeAccountToken,
  useAccountToken,
} from "../../../repositories/account-tokens.ts";
import { deleteEmailChanges } from "../../../repositories/email-changes.ts";
import { deleteResetTokens } from "../../../repositories/password-reset-tokens.ts";
import { deletePendingSignups } from "../../../repositories/signups.ts";
import { lockUserById, setDeletionDue } from "../../../repositories/users.ts";
import { withEvents } from "../../audit-trail.ts";
import type { AuthContext, RequestMeta } from "../../identity.ts";
import type { AccountDeps, SensitiveProof } from "../account-deps.ts";
import { invalidAccountTokenError } from "./change-email.ts";
import { liveAccount, requireSensitiveProof } from "./current-password.ts";
import { normalizeEmail } from "../email-address.ts";
import { eraseAccount } from "./erasure.ts";
import { queueMail } from "../signup/verification-mail.ts";

const DAY_MS = 86_400_000;

export interface DeletionOptions {
  /** Erase now, whatever ACCOUNT_DELETION_GRACE_DAYS says (the admin API's option) */
  immediate?: boolean;
  meta: RequestMeta;
}

/** When the account will be erased (now, when it already was). */
export interface ScheduledDeletion {
  deletionDueAt: Date;
  erased: boolean;
}

/**
 * Deletes an account: from this moment it stops working (every session and token revoked on
 * every instance before this resolves; sign-in, reset and verification treat its address as
 * unknown), and housekeeping erases it once `deletion_due_at` passes. Within the grace period
 * (ACCOUNT_DELETION_GRACE_DAYS) the owner can keep it with the single-use token mailed to the
 * address. With no grace period, or `immediate`, it is erased at once and a notice is mailed.
 * The one path for POST /auth/delete-account and the admin API.
 */
export async function scheduleDeletion(
  deps: AccountDeps,
  userId: string,
  options: DeletionOptions,
): Promise<ScheduledDeletion> {
  const now = deps.clock.now();
  const graceDays = options.immediate ? 0 : deps.config.accountDeletionGraceDays;
  const deletionDueAt = new Date(now.getTime() + graceDays * DAY_MS);
  const { announce, email } = await withEvents(deps, async (trx, record) => {
    const user = await lockUserById(trx, userId);
    if (!user) throw new AppError("not_found", "No account with this id");
    await setDeletionDue(trx, userId, deletionDueAt, now);
    const announce = await deps.sessions.revokeAllSessions(userId, "account_deleted", trx);
    await deleteEmailChanges(trx, userId);
    await deleteResetTokens(trx, userId);
    await deletePendingSignups(trx, userId);
    if (graceDays > 0) {
      // Rule: while a revert token lives, the way to keep the account reaches the address it would
      // restore too. Whoever moved the account away may be the one deleting it: the owner at the
      // previous address can keep it (and then take it back with the revert token).
      const previous = await revertableAddresses(trx, userId, now);
      const addresses = [user.email, ...previous.filter((a) => normalizeEmail(a) !== user.email_normalized)];
      await deleteAccountTokens(trx, userId, "deletion_cancel");
      for (const address of addresses) {
        // One token per address: each mail carries its own, and using one retires the others
        const cancel = await newAccountToken(deps.config);
        await storeAccountToken(trx, {
          userId,
          purpose: "deletion_cancel",
          tokenHash: cancel.tokenHash,
          hmacKeyId: cancel.keyId,
          previousEmail: null,
          expiresAt: deletionDueAt,
          now,
        }, { replace: false });
        await queueMail(
          trx,
          accountDeletionMail(address, user.name, deletionDueAt, deps.config.accountPagesUrl, cancel.token),
          now,
        );
      }
    }
    await record({ userId, type: "account_deletion_scheduled", ...options.meta, at: now });
    return { announce, email: user.email };
  });
  await announce();
  if (graceDays > 0) return { deletionDueAt, erased: false };
  await eraseAccount(deps, userId, now, accountDeletedMail(email));
  return { deletionDueAt, erased: true };
}

/**
 * POST /auth/delete-account: the proof (the current password and the second factor's code while on,
 * or a token proven less than 5 minutes ago), then `scheduleDeletion`.
 */
export async function deleteOwnAccount(
  deps: AccountDeps,
  auth: AuthContext,
  proof: SensitiveProof,
  meta: RequestMeta,
): Promise<ScheduledDeletion> {
  const user = await liveAccount(deps, auth.userId);
  await requireSensitiveProof(deps, user, auth, proof, meta);
  return await scheduleDeletion(deps, user.id, { meta });
}

/**
 * Keeps an account waiting for erasure, with a token its deletion mails carried (single use,
 * valid until the account is due); the account's other cancel tokens die with it. Sessions stay
 * ended: the owner signs in again. Under the user's row lock, so a concurrent revert (which
 * cancels the deletion itself) runs wholly before or after; a refused token is not spent.
 */
export async function cancelDeletion(deps: AccountDeps, token: string, meta: RequestMeta): Promise<void> {
  const digests = await accountTokenDigests(deps.config, token);
  const now = deps.clock.now();
  const holder = await findLiveAccountToken(deps.db, "deletion_cancel", digests, now);
  if (!holder) throw invalidAccountTokenError();
  await withEvents(deps, async (trx, record) => {
    const user = await lockUserById(trx, holder.userId);
    if (!user?.deletion_due_at || user.deletion_due_at <= now) throw invalidAccountTokenError();
    if (!await useAccountToken(trx, "deletion_cancel", digests, user.id, now)) throw invalidAccountTokenError();
    await retireAccountTokens(trx, user.id, "deletion_cancel", now);
    await setDeletionDue(trx, user.id, null, now);
    await record({ userId: user.id, type: "account_deletion_cancelled", ...meta, at: now });
  });
}
