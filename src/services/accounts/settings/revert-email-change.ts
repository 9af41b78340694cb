import { AppError } from "../../../errors.ts";
import { base64url } from "../../../encoding.ts";
import { findLiveAccountToken, retireAccountTokens, useAccountToken } from "../../../repositories/account-tokens.ts";
import { deleteEmailChanges } from "../../../repositories/email-changes.ts";
import {
  deleteUnverifiedUser,
  findUserByEmail,
  lockUserById,
  setDeletionDue,
  updateEmail,
  updatePasswordHash,
} from "../../../repositories/users.ts";
import { withEvents } from "../../audit-trail.ts";
import type { RequestMeta } from "../../identity.ts";
import type { AccountDeps } from "../account-deps.ts";
import { accountTokenDigests } from "./account-tokens.ts";
import { invalidAccountTokenError } from "./change-email.ts";
import { normalizeEmail } from "../email-address.ts";
import { mailedReset, newResetToken } from "../credentials/reset-tokens.ts";

/**
 * Undoes an address change with the token mailed to the old address: the old address comes
 * back (verified: the token proved it), every session and token dies, the password is replaced
 * by one nobody knows, and a reset link goes to the restored address. An unverified sign-up that
 * took the old address meanwhile is dropped; a verified account holding it gets 409 `conflict`.
 *
 * The owner's recovery wins over whatever the account's hijacker left behind: the revert undoes
 * every later move (their revert tokens die), a pending deletion (it is cancelled, its cancel
 * tokens die), a pending change of address, every reset token and every session. All of it in
 * one transaction under the user's row lock, so a concurrent confirm, deletion, cancel or reset
 * runs wholly before or wholly after it. A refused token is not spent (the transaction rolls back).
 */
export async function revertEmailChange(deps: AccountDeps, token: string, meta: RequestMeta): Promise<void> {
  const digests = await accountTokenDigests(deps.config, token);
  // Cheap check first, so a guessed token costs no bcrypt; the locked UPDATE below decides races
  const holder = await findLiveAccountToken(deps.db, "email_change_revert", digests, deps.clock.now());
  if (!holder) throw invalidAccountTokenError();
  const unusable = await deps.passwords.hash(base64url(crypto.getRandomValues(new Uint8Array(32))));
  const reset = await newResetToken(deps.config);
  const now = deps.clock.now();
  const announce = await withEvents(deps, async (trx, record) => {
    // The user's row first, as every flow that changes the account takes it
    const user = await lockUserById(trx, holder.userId);
    const used = user && await useAccountToken(trx, "email_change_revert", digests, user.id, now);
    // An account past its deletion date is as good as erased: the token stays unspent with it
    if (!user || !used?.previousEmail || (user.deletion_due_at && user.deletion_due_at <= now)) {
      throw invalidAccountTokenError();
    }
    const previous = used.previousEmail;
    const holderOfPrevious = await findUserByEmail(trx, normalizeEmail(previous));
    if (holderOfPrevious && holderOfPrevious.id !== user.id) {
      if (holderOfPrevious.email_verified) {
        throw new AppError("conflict", "The previous address now belongs to another account");
      }
      await deleteUnverifiedUser(trx, holderOfPrevious.id);
    }
    await updateEmail(trx, user.id, { email: previous, emailNormalized: normalizeEmail(previous) }, now);
    await updatePasswordHash(trx, user.id, unusable, now);
    // A change of address requested before the revert (its code mailed elsewhere) dies
    await deleteEmailChanges(trx, user.id);
    // Rule: a revert undoes every move made after the one its token came from. The revert tokens
    // those moves issued (mailed to addresses the account held only since) die with it, so the
    // hijacker cannot move the account back once the owner has it. Older tokens stay: an earlier
    // address can still take the account back, so using a newer token never locks out the owner.
    await retireAccountTokens(trx, user.id, "email_change_revert", now, { issuedAfter: used.issuedAt });
    if (user.deletion_due_at) {
      // Rule: a revert during a pending deletion keeps the account. The deletion was asked for
      // after the move being undone; its cancel tokens (some mailed to the hijacker) die with it.
      await setDeletionDue(trx, user.id, null, now);
      await retireAccountTokens(trx, user.id, "deletion_cancel", now);
      await record({ userId: user.id, type: "account_deletion_cancelled", ...meta, at: now });
    }
    const announce = await deps.sessions.revokeAllSessions(user.id, "email_change_reverted", trx);
    // The reset replaces every reset token of the user: those mailed to the undone addresses die
    await record(
      { userId: user.id, type: "email_change_reverted", ...meta, at: now },
      mailedReset(deps.config, reset, user.id, { address: previous, name: user.name }, now),
    );
    return announce;
  });
  await announce();
}
