/**
 * "This wasn't me": the single-use token of an activity mail (services/activity/) hands the
 * account back to its owner. Before the answer, in one transaction under the user's row lock:
 * every session and token ends (published to every instance after the commit), every device
 * token dies, a second factor enrolled and the passkeys added within {@link RECENT_FACTOR_MS} are
 * removed (whoever knew the password added them, to lock the owner out or to sign in without the
 * password after the owner's reset; older ones are the owner's and stay), the
 * other "wasn't me" tokens die, the password is replaced by one nobody knows (whoever used it
 * cannot sign in again while the owner reads the mail) and a password reset is mailed.
 * @module
 */
import { findLiveAccountToken, retireAccountTokens, useAccountToken } from "../../../repositories/account-tokens.ts";
import { expireKnownDevices } from "../../../repositories/known-devices.ts";
import { deletePasskeysAddedSince } from "../../../repositories/passkeys.ts";
import { deleteRecoveryCodes } from "../../../repositories/recovery-codes.ts";
import { deleteTotpFactor, findTotpFactor } from "../../../repositories/totp-factors.ts";
import { lockUserById, updatePasswordHash } from "../../../repositories/users.ts";
import { base64url } from "../../../encoding.ts";
import { withEvents } from "../../audit-trail.ts";
import type { RequestMeta } from "../../identity.ts";
import type { AccountDeps } from "../account-deps.ts";
import { mailedReset, newResetToken } from "../credentials/reset-tokens.ts";
import { notMeTokenDigests } from "../../activity/not-me-token.ts";
import { invalidAccountTokenError } from "./change-email.ts";

/** A second factor turned on this recently is removed by "this wasn't me". */
export const RECENT_FACTOR_MS = 7 * 24 * 60 * 60 * 1000;

/** Uses a "this wasn't me" token; 400 `invalid_account_token` for an unknown, used or expired one. */
export async function reportNotMe(deps: AccountDeps, token: string, meta: RequestMeta): Promise<void> {
  const digests = await notMeTokenDigests(deps.config, token);
  // Cheap check first; the locked UPDATE below decides races
  const holder = await findLiveAccountToken(deps.db, "not_me", digests, deps.clock.now());
  if (!holder) throw invalidAccountTokenError();
  const unusable = await deps.passwords.hash(base64url(crypto.getRandomValues(new Uint8Array(32))));
  const reset = await newResetToken(deps.config);
  const now = deps.clock.now();
  const announce = await withEvents(deps, async (trx, record) => {
    const user = await lockUserById(trx, holder.userId);
    const used = user && await useAccountToken(trx, "not_me", digests, user.id, now);
    if (!user || !used || (user.deletion_due_at && user.deletion_due_at <= now)) return undefined;
    // One report is enough: the links of earlier mails would only repeat it
    await retireAccountTokens(trx, user.id, "not_me", now);
    await updatePasswordHash(trx, user.id, unusable, now);
    const announce = await deps.sessions.revokeAllSessions(user.id, "suspicious_activity_reported", trx);
    await expireKnownDevices(trx, user.id, now);
    const factor = await findTotpFactor(trx, user.id);
    const enrolledRecently = factor?.activated_at && now.getTime() - factor.activated_at.getTime() < RECENT_FACTOR_MS;
    // An enrolment never finished is the intruder's too
    if (factor && (enrolledRecently || !factor.activated_at)) {
      await deleteTotpFactor(trx, user.id);
      await deleteRecoveryCodes(trx, user.id);
      if (factor.activated_at) await record({ userId: user.id, type: "mfa_disabled", ...meta, at: now });
    }
    const recently = new Date(now.getTime() - RECENT_FACTOR_MS);
    if (await deletePasskeysAddedSince(trx, user.id, recently) > 0) {
      await record({ userId: user.id, type: "passkey_removed", ...meta, at: now });
    }
    const to = { address: user.email, name: user.email_verified ? user.name : null };
    await record(
      { userId: user.id, type: "suspicious_activity_reported", ...meta, at: now },
      mailedReset(deps.config, reset, user.id, to, now),
    );
    return announce;
  });
  if (!announce) throw invalidAccountTokenError();
  await announce();
}
