/**
 * A passkey as the second step of a password sign-in: POST /auth/mfa/verify with the
 * `mfa_token` and the assertion of the options POST /auth/passkeys/signin/options handed out
 * for that token. The challenge is bound to the password step and its account; a failed
 * assertion counts against the step (5 kill it) and the account's sign-in budget, as a wrong code does.
 * @module
 */
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
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
import { invalidMfaTokenError } from "../mfa/challenge.ts";
import { sha256Hex } from "../secrets.ts";
import { verifyAssertion } from "./assertion.ts";
import { takeCeremonyChallenge } from "./ceremony-challenges.ts";
import { invalidPasskeyError } from "./errors.ts";
import type { PasskeyDeps } from "./passkey-deps.ts";

export async function verifyPasskeySecondFactor(
  deps: PasskeyDeps,
  input: { mfa_token: string; passkey: AuthenticationResponseJSON },
  meta: RequestMeta,
): Promise<SigninResult> {
  const now = deps.clock.now();
  const step = await findLiveMfaChallenge(deps.db, sha256Hex(input.mfa_token), now);
  if (!step || step.first_factor !== "pwd") throw invalidMfaTokenError();
  const attempt = await takeAttempt(deps, {
    policy: SIGNIN_ACCOUNT_POLICY,
    rule: signinAccountRule(deps.config.rateLimit.perMinute),
    subject: `${step.email_normalized}#${step.token_version}`,
  });
  let verified;
  try {
    const taken = await takeCeremonyChallenge(
      deps,
      input.passkey.response.clientDataJSON,
      "second_factor",
      step.user_id,
    );
    if (!taken || taken.mfaChallengeId !== step.id) throw invalidPasskeyError();
    verified = await verifyAssertion(deps, input.passkey, taken.challenge, meta, step.user_id);
  } catch (error) {
    await countMfaChallengeFailure(deps.db, step.id);
    await recordEvent(deps, { userId: step.user_id, type: "mfa_challenge_failed", ...meta, at: now });
    throw error;
  }
  if (!await consumeMfaChallenge(deps.db, step.id, now)) throw invalidMfaTokenError();
  await giveBackAttempt(deps, attempt);
  const user = { id: step.user_id, token_version: step.token_version };
  const tokens = await deps.sessions.startSession(user, meta, { amr: ["pwd", verified.keyMethod], aal: 2 }, {
    knownDevice: step.device_known,
  });
  // The device token came with the password step: a known device is told apart, a new one reported
  const deviceToken = await completeSigninDevice(deps, user, { known: step.device_known }, meta);
  await recordEvent(deps, { userId: user.id, type: "signin_succeeded", ...meta, at: now });
  return { ...tokens, device_token: deviceToken };
}
