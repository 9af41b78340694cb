/**
 * Registering a passkey: POST /auth/passkeys/registration/options (after the proof of a
 * sensitive operation) hands out creation options whose challenge only this account can
 * answer, within 5 minutes, once; POST /auth/passkeys/registration verifies the attestation
 * and saves the credential.
 * @module
 */
import {
  type AuthenticatorTransport,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { base64url, fromBase64url } from "../../encoding.ts";
import { AppError } from "../../errors.ts";
import { newRowId } from "../../ids.ts";
import { insertPasskey, listPasskeys } from "../../repositories/passkeys.ts";
import { recordEvent } from "../audit-trail.ts";
import type { AuthContext, RequestMeta } from "../identity.ts";
import { liveAccount } from "../accounts/settings/current-password.ts";
import { type ProofInput, requireProof } from "../mfa/proof.ts";
import { passkeyNameFor } from "./aaguid-names.ts";
import { CEREMONY_TTL_SECONDS, newCeremonyChallenge, takeCeremonyChallenge } from "./ceremony-challenges.ts";
import { invalidRegistrationError } from "./errors.ts";
import type { PasskeyDeps } from "./passkey-deps.ts";
import { type PasskeyView, passkeyView } from "./views.ts";

/**
 * COSE algorithms a passkey may use: EdDSA, ES256, RS256. The library would also offer ML-DSA,
 * which Chromium's authenticator then picks; its 3 KB signatures are verified only where the
 * runtime has ML-DSA, so a passkey created with it could fail later on another instance.
 */
const SUPPORTED_ALGORITHMS = [-8, -7, -257];

/** The user handle a credential carries: the account id's bytes (no address, nothing personal). */
export function userHandleOf(userId: string): Uint8Array {
  return new TextEncoder().encode(userId);
}

export async function registrationOptions(
  deps: PasskeyDeps,
  auth: AuthContext,
  proof: ProofInput,
  meta: RequestMeta,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await liveAccount(deps, auth.userId);
  await requireProof(deps, user, auth, proof, meta);
  const existing = await listPasskeys(deps.db, user.id);
  const challenge = await newCeremonyChallenge(deps, "registration", { userId: user.id });
  return await generateRegistrationOptions({
    rpName: deps.config.relyingParty.name,
    rpID: deps.config.relyingParty.id,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    userID: userHandleOf(user.id) as Uint8Array<ArrayBuffer>,
    challenge: fromBase64url(challenge) as Uint8Array<ArrayBuffer>,
    timeout: CEREMONY_TTL_SECONDS * 1000,
    attestationType: "none",
    // An authenticator that already holds one of the account's passkeys is not offered again
    excludeCredentials: existing.map((passkey) => ({
      id: passkey.credential_id,
      transports: transportsOf(passkey.transports),
    })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
}

export function transportsOf(stored: string): AuthenticatorTransport[] {
  return stored.split(" ").filter(Boolean) as AuthenticatorTransport[];
}

/**
 * Verifies the attestation against the account's live registration challenge (used up first,
 * so it answers once) and saves the credential, named by the client or after its
 * authenticator. Records `passkey_added`.
 */
export async function completeRegistration(
  deps: PasskeyDeps,
  auth: AuthContext,
  input: { credential: RegistrationResponseJSON; name?: string },
  meta: RequestMeta,
): Promise<PasskeyView> {
  const user = await liveAccount(deps, auth.userId);
  const taken = await takeCeremonyChallenge(deps, input.credential.response.clientDataJSON, "registration", user.id);
  if (!taken) throw invalidRegistrationError();
  const { relyingParty } = deps.config;
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.credential,
      expectedChallenge: taken.challenge,
      expectedOrigin: [...relyingParty.origins],
      expectedRPID: relyingParty.id,
      // Preferred, not required: an authenticator without verification is still a possession factor
      requireUserVerification: false,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  } catch (cause) {
    throw new AppError("invalid_passkey_registration", invalidRegistrationError().detail, { cause });
  }
  if (!verified.verified) throw invalidRegistrationError();
  const info = verified.registrationInfo;
  const now = deps.clock.now();
  const id = newRowId();
  const saved = await insertPasskey(deps.db, {
    id,
    userId: user.id,
    credentialId: info.credential.id,
    publicKey: base64url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: input.credential.response.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    aaguid: info.aaguid,
    name: input.name?.trim() || passkeyNameFor(info.aaguid),
    now,
  });
  if (!saved) throw new AppError("conflict", "This passkey is already registered");
  await recordEvent(deps, { userId: user.id, type: "passkey_added", ...meta, at: now });
  const row = (await listPasskeys(deps.db, user.id)).find((passkey) => passkey.id === id);
  return passkeyView(row!);
}
