/**
 * The second step of a sign-in with a factor on: POST /auth/mfa/verify trades the first step's
 * `mfa_token` (see accounts/credentials/mfa-challenge.ts) and one code for the token pair.
 * @module
 */
import { AppError } from "../../errors.ts";
import {
  consumeMfaChallenge,
  countMfaChallengeFailure,
  findLiveMfaChallenge,
} from "../../repositories/mfa-challenges.ts";
import { recordEvent } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import { completeSigninDevice } from "../accounts/credentials/signin-device.ts";
import type { SigninResult } from "../accounts/credentials/signin.ts";
import {
  giveBackAttempt,
  SIGNIN_ACCOUNT_POLICY,
  signinAccountRule,
  takeAttempt,
} from "../accounts/credentials/signin-limits.ts";
import { sha256Hex } from "../secrets.ts";
import { invalidMfaCodeError, parseFactorCode, prepareClaim } from "./factor-codes.ts";
import type { MfaDeps } from "./mfa-deps.ts";
import { notice, noticeRecoveryCodeUsed } from "./notices.ts";

/** Every reason an `mfa_token` is refused gets this one answer. */
export function invalidMfaTokenError(): AppError {
  return new AppError("invalid_mfa_token", "The MFA token is invalid, used or expired; sign in again");
}

/** Thrown inside the transaction to undo the challenge's use when the code was wrong. */
class WrongCode extends Error {}

/**
 * Trades a live challenge and one code for a session at level 2. The challenge and the code
 * are used up in one transaction (each by a conditional statement), so of racing requests one
 * wins. A wrong code counts on the challenge (5 kill it) and on the account's sign-in budget,
 * so guessing across fresh challenges meets the same 429 as guessing passwords.
 */
export async function verifyMfaChallenge(
  deps: MfaDeps,
  input: { mfa_token: string; code: string },
  meta: RequestMeta,
): Promise<SigninResult> {
  const submitted = parseFactorCode(input.code);
  const now = deps.clock.now();
  const challenge = await findLiveMfaChallenge(deps.db, sha256Hex(input.mfa_token), now);
  if (!challenge) throw invalidMfaTokenError();
  const attempt = await takeAttempt(deps, {
    policy: SIGNIN_ACCOUNT_POLICY,
    rule: signinAccountRule(deps.config.rateLimit.perMinute),
    subject: `${challenge.email_normalized}#${challenge.token_version}`,
  });
  const prepared = await prepareClaim(deps, challenge.user_id, submitted, now);
  let method;
  try {
    method = await deps.db.transaction().execute(async (trx) => {
      if (!await consumeMfaChallenge(trx, challenge.id, now)) return null;
      const claimed = await prepared.claim(trx);
      if (!claimed) throw new WrongCode();
      return claimed;
    });
  } catch (error) {
    if (!(error instanceof WrongCode)) throw error;
    await countMfaChallengeFailure(deps.db, challenge.id);
    const user = { id: challenge.user_id, email: challenge.email, name: challenge.name };
    await notice(deps, user, "mfa_challenge_failed", meta);
    throw invalidMfaCodeError();
  }
  if (!method) throw invalidMfaTokenError();
  await giveBackAttempt(deps, attempt);
  const user = { id: challenge.user_id, token_version: challenge.token_version };
  const tokens = await deps.sessions.startSession(user, meta, { amr: [challenge.first_factor, method], aal: 2 }, {
    knownDevice: challenge.device_known,
  });
  // The device token came with the first step: a known device is told apart, a new token handed out
  const deviceToken = await completeSigninDevice(deps, user, { known: challenge.device_known }, meta);
  await recordEvent(deps, { userId: user.id, type: "signin_succeeded", ...meta, at: now });
  if (method === "mfa") {
    await noticeRecoveryCodeUsed(deps, { id: user.id }, meta);
  }
  return { ...tokens, device_token: deviceToken };
}
