/**
 * Sign-in with a discoverable passkey: no address is asked, so the options are the same for
 * everyone (only a fresh single-use challenge). The assertion signs in at level 2 when the
 * authenticator verified the user; without that, an account with a second factor on is asked
 * for it, as after a password.
 * @module
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { AppError } from "../../errors.ts";
import { isDisabled } from "../../repositories/admin-users.ts";
import { findKnownDevice } from "../../repositories/known-devices.ts";
import { findLiveMfaChallenge } from "../../repositories/mfa-challenges.ts";
import { listPasskeys } from "../../repositories/passkeys.ts";
import { hasActiveTotpFactor } from "../../repositories/totp-factors.ts";
import { findUserById } from "../../repositories/users.ts";
import { recordEvent } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import { hashDeviceToken } from "../accounts/credentials/known-devices.ts";
import { completeSigninDevice } from "../accounts/credentials/signin-device.ts";
import { issueMfaChallenge } from "../accounts/credentials/mfa-challenge.ts";
import { accountDisabledError, type SigninAnswer } from "../accounts/credentials/signin.ts";
import { invalidMfaTokenError } from "../mfa/challenge.ts";
import { sha256Hex } from "../secrets.ts";
import { verifyAssertion } from "./assertion.ts";
import { CEREMONY_TTL_SECONDS, newCeremonyChallenge, takeCeremonyChallenge } from "./ceremony-challenges.ts";
import { invalidPasskeyError } from "./errors.ts";
import type { PasskeyDeps } from "./passkey-deps.ts";
import { transportsOf } from "./registration.ts";
import { fromBase64url } from "../../encoding.ts";

/** The library takes a string challenge as text to encode: the bytes keep the options' challenge ours. */
function challengeBytes(challenge: string): Uint8Array<ArrayBuffer> {
  return fromBase64url(challenge) as Uint8Array<ArrayBuffer>;
}

/**
 * Request options. Without `mfa_token`: a sign-in's, the same for everyone (no credential
 * listed, the authenticator offers the passkeys it holds). With the `mfa_token` of a password
 * step: a second factor's, listing the account's passkeys.
 */
export async function signinOptions(
  deps: PasskeyDeps,
  input: { mfa_token?: string },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const rpID = deps.config.relyingParty.id;
  const timeout = CEREMONY_TTL_SECONDS * 1000;
  if (input.mfa_token === undefined) {
    const challenge = await newCeremonyChallenge(deps, "signin");
    return await generateAuthenticationOptions({
      rpID,
      challenge: challengeBytes(challenge),
      timeout,
      userVerification: "preferred",
    });
  }
  const step = await findLiveMfaChallenge(deps.db, sha256Hex(input.mfa_token), deps.clock.now());
  if (!step || step.first_factor !== "pwd") throw invalidMfaTokenError();
  const passkeys = await listPasskeys(deps.db, step.user_id);
  if (passkeys.length === 0) throw new AppError("conflict", "This account has no passkey");
  const challenge = await newCeremonyChallenge(deps, "second_factor", {
    userId: step.user_id,
    mfaChallengeId: step.id,
  });
  return await generateAuthenticationOptions({
    rpID,
    challenge: challengeBytes(challenge),
    timeout,
    // After the password, the passkey is the possession factor: verification adds nothing the step needs
    userVerification: "discouraged",
    allowCredentials: passkeys.map((passkey) => ({
      id: passkey.credential_id,
      transports: transportsOf(passkey.transports),
    })),
  });
}

/**
 * The assertion of a sign-in ceremony: its challenge used up first, then the credential
 * verified. With user verification: a session at level 2, `amr` `[hwk|swk, "user"]`. Without:
 * the second factor's challenge when one is on, else a session at level 1.
 */
export async function passkeySignin(
  deps: PasskeyDeps,
  input: { credential: AuthenticationResponseJSON; device_token?: string },
  meta: RequestMeta,
): Promise<SigninAnswer> {
  const taken = await takeCeremonyChallenge(deps, input.credential.response.clientDataJSON, "signin");
  if (!taken) {
    await recordEvent(deps, { userId: null, type: "signin_failed", ...meta, at: deps.clock.now() });
    throw invalidPasskeyError();
  }
  let verified;
  try {
    verified = await verifyAssertion(deps, input.credential, taken.challenge, meta);
  } catch (error) {
    await recordEvent(deps, { userId: null, type: "signin_failed", ...meta, at: deps.clock.now() });
    throw error;
  }
  const now = deps.clock.now();
  const user = await findUserById(deps.db, verified.passkey.user_id);
  if (!user || user.deletion_due_at || !user.email_verified) throw invalidPasskeyError();
  if (isDisabled(user, now)) {
    await recordEvent(deps, { userId: user.id, type: "signin_failed", ...meta, at: now });
    throw accountDisabledError();
  }
  // The device token a sign-in from this device returned: the owner hears only of new devices
  const deviceId = input.device_token
    ? await findKnownDevice(deps.db, user, hashDeviceToken(input.device_token), now)
    : undefined;
  const device = deviceId && input.device_token ? { id: deviceId, token: input.device_token } : undefined;
  if (!verified.userVerified && await hasActiveTotpFactor(deps.db, user.id)) {
    return await issueMfaChallenge(deps, user, { deviceKnown: device !== undefined }, verified.keyMethod);
  }
  const proof = verified.userVerified
    ? { amr: [verified.keyMethod, "user"], aal: 2 as const }
    : { amr: [verified.keyMethod], aal: 1 as const };
  const tokens = await deps.sessions.startSession(user, meta, proof, { knownDevice: device !== undefined });
  const deviceToken = await completeSigninDevice(deps, user, { known: device !== undefined, device }, meta);
  await recordEvent(deps, { userId: user.id, type: "signin_succeeded", ...meta, at: now });
  return { ...tokens, device_token: deviceToken };
}
