import { AppError } from "../../../errors.ts";
import { passwordChangedByOwnerMail } from "../../../mail/templates.ts";
import { updatePasswordHash } from "../../../repositories/users.ts";
import { withEvents } from "../../audit-trail.ts";
import type { AuthContext, RequestMeta, TokenPair } from "../../identity.ts";
import type { AccountDeps } from "../account-deps.ts";
import { liveAccount, requireSensitiveProof } from "./current-password.ts";
import { normalizePassword } from "../credentials/passwords.ts";
import { queueMail } from "../signup/verification-mail.ts";

export interface ChangePasswordInput {
  /** Not needed with an access token proven less than 5 minutes ago (requireSensitiveProof) */
  current_password?: string;
  new_password: string;
  /** Required while a second factor is on */
  mfa_code?: string;
}

/**
 * Whether the new password is the one the account has: compared with `current_password` when the
 * request carried it (just checked), else with the stored hash (a fresh token proved the request).
 */
async function isCurrentPassword(
  deps: AccountDeps,
  passwordHash: string,
  input: ChangePasswordInput,
): Promise<boolean> {
  if (input.current_password !== undefined) {
    return normalizePassword(input.new_password) === normalizePassword(input.current_password);
  }
  return await deps.passwords.verify(input.new_password, passwordHash);
}

/**
 * Changes the password of the signed-in user and returns a new pair for this session. In one
 * transaction: the hash, a bumped token version (every access token issued so far dies), every
 * other session revoked, this session's refresh token replaced, the notice queued and the event
 * recorded; the revocation is announced to every instance before the answer.
 */
export async function changePassword(
  deps: AccountDeps,
  auth: AuthContext,
  input: ChangePasswordInput,
  meta: RequestMeta,
): Promise<TokenPair> {
  const user = await liveAccount(deps, auth.userId);
  await requireSensitiveProof(deps, user, auth, input, meta);
  if (await isCurrentPassword(deps, user.password_hash, input)) {
    throw new AppError("password_unchanged", "The new password is the current one", {
      errors: [{ path: "new_password", message: "Must differ from the current password" }],
    });
  }
  await deps.passwordPolicy.check(input.new_password, user.email, "new_password", user.name);
  const passwordHash = await deps.passwords.hash(input.new_password);
  const renewal = await deps.sessions.prepareRenewal(auth, user.token_version, meta);
  const now = deps.clock.now();
  const announce = await withEvents(deps, async (trx, record) => {
    const announce = await renewal.apply(trx, "password_changed");
    await updatePasswordHash(trx, user.id, passwordHash, now);
    await queueMail(trx, passwordChangedByOwnerMail(user.email, user.name, deps.config.accountPagesUrl), now);
    await record({ userId: user.id, type: "password_changed", ...meta, at: now });
    return announce;
  });
  await announce();
  return renewal.pair;
}
