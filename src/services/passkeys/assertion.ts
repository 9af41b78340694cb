/**
 * Verifies an assertion against a stored credential, and keeps its signature counter: the
 * signature is checked first (so nobody forges a clone alarm with made-up data), then a counter
 * that does not move forward, for an authenticator that keeps one, is refused and recorded as
 * `passkey_counter_regressed` — two authenticators answer for one credential.
 * @module
 */
import { type AuthenticationResponseJSON, verifyAuthenticationResponse } from "@simplewebauthn/server";
import { fromBase64url } from "../../encoding.ts";
import { findPasskeyByCredentialId, type PasskeyRow, recordPasskeyUse } from "../../repositories/passkeys.ts";
import { recordEvent } from "../audit-trail.ts";
import type { RequestMeta } from "../identity.ts";
import { invalidPasskeyError } from "./errors.ts";
import type { PasskeyDeps } from "./passkey-deps.ts";
import { transportsOf, userHandleOf } from "./registration.ts";
import { base64url } from "../../encoding.ts";

export interface VerifiedAssertion {
  passkey: PasskeyRow;
  userVerified: boolean;
  /** RFC 8176: `swk` for a credential that can leave its authenticator (synced), `hwk` for one that cannot */
  keyMethod: "hwk" | "swk";
}

/**
 * The credential the assertion names, its signature over this challenge from one of our
 * origins for our RP id, and a counter gone forward; `invalid_passkey` for any failure, the
 * same whether the credential exists. `ownerId`, when given, is the account it must belong to.
 */
export async function verifyAssertion(
  deps: PasskeyDeps,
  credential: AuthenticationResponseJSON,
  challenge: string,
  meta: RequestMeta,
  ownerId?: string,
): Promise<VerifiedAssertion> {
  const passkey = await findPasskeyByCredentialId(deps.db, credential.id);
  if (!passkey || (ownerId !== undefined && passkey.user_id !== ownerId)) throw invalidPasskeyError();
  const handle = credential.response.userHandle;
  if (handle && handle !== base64url(userHandleOf(passkey.user_id))) throw invalidPasskeyError();
  const { relyingParty } = deps.config;
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: credential,
      expectedChallenge: challenge,
      expectedOrigin: [...relyingParty.origins],
      expectedRPID: relyingParty.id,
      // The counter is checked below, after the signature: the library checks it before
      credential: {
        id: passkey.credential_id,
        publicKey: fromBase64url(passkey.public_key) as Uint8Array<ArrayBuffer>,
        counter: 0,
        transports: transportsOf(passkey.transports),
      },
      // What no verification means is the caller's to decide (a second step, or level 1)
      requireUserVerification: false,
    });
  } catch {
    throw invalidPasskeyError();
  }
  if (!verified.verified) throw invalidPasskeyError();
  const info = verified.authenticationInfo;
  const now = deps.clock.now();
  if ((info.newCounter > 0 || passkey.counter > 0) && info.newCounter <= passkey.counter) {
    await recordEvent(deps, { userId: passkey.user_id, type: "passkey_counter_regressed", ...meta, at: now });
    throw invalidPasskeyError();
  }
  const recorded = await recordPasskeyUse(deps.db, {
    id: passkey.id,
    seenCounter: passkey.counter,
    newCounter: info.newCounter,
    backedUp: info.credentialBackedUp,
    now,
  });
  // Another assertion with this counter got there first
  if (!recorded) throw invalidPasskeyError();
  const copyable = info.credentialDeviceType === "multiDevice" || info.credentialBackedUp;
  return { passkey, userVerified: info.userVerified, keyMethod: copyable ? "swk" : "hwk" };
}
