import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { SigninAnswer, SigninResult } from "../accounts/credentials/signin.ts";
import type { AuthContext, RequestMeta } from "../identity.ts";
import type { ProofInput } from "../mfa/proof.ts";
import { listOwnPasskeys, removeOwnPasskey, renameOwnPasskey } from "./management.ts";
import type { PasskeyDeps } from "./passkey-deps.ts";
import { completeRegistration, registrationOptions } from "./registration.ts";
import { verifyPasskeySecondFactor } from "./second-factor.ts";
import { passkeySignin, signinOptions } from "./signin.ts";
import type { PasskeyView } from "./views.ts";

export type { PasskeyView } from "./views.ts";

/** Passkeys (WebAuthn): registration, sign-in with no address, the second factor, the account's list. */
export interface PasskeyService {
  registrationOptions(
    auth: AuthContext,
    proof: ProofInput,
    meta: RequestMeta,
  ): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(
    auth: AuthContext,
    input: { credential: RegistrationResponseJSON; name?: string },
    meta: RequestMeta,
  ): Promise<PasskeyView>;
  list(auth: AuthContext): Promise<PasskeyView[]>;
  rename(auth: AuthContext, id: string, name: string): Promise<PasskeyView>;
  remove(auth: AuthContext, id: string, proof: ProofInput, meta: RequestMeta): Promise<void>;
  signinOptions(input: { mfa_token?: string }): Promise<PublicKeyCredentialRequestOptionsJSON>;
  signin(
    input: { credential: AuthenticationResponseJSON; device_token?: string },
    meta: RequestMeta,
  ): Promise<SigninAnswer>;
  /** POST /auth/mfa/verify with a passkey instead of a code */
  verifySecondFactor(
    input: { mfa_token: string; passkey: AuthenticationResponseJSON },
    meta: RequestMeta,
  ): Promise<SigninResult>;
}

export function createPasskeyService(deps: PasskeyDeps): PasskeyService {
  return {
    registrationOptions: (auth, proof, meta) => registrationOptions(deps, auth, proof, meta),
    register: (auth, input, meta) => completeRegistration(deps, auth, input, meta),
    list: (auth) => listOwnPasskeys(deps, auth),
    rename: (auth, id, name) => renameOwnPasskey(deps, auth, id, name),
    remove: (auth, id, proof, meta) => removeOwnPasskey(deps, auth, id, proof, meta),
    signinOptions: (input) => signinOptions(deps, input),
    signin: (input, meta) => passkeySignin(deps, input, meta),
    verifySecondFactor: (input, meta) => verifyPasskeySecondFactor(deps, input, meta),
  };
}
