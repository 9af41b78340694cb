import type { SigninResult } from "../accounts/credentials/signin.ts";
import type { AuthContext, RequestMeta, TokenPair } from "../identity.ts";
import { verifyMfaChallenge } from "./challenge.ts";
import {
  activateTotp,
  disableMfa,
  type MfaStatus,
  mfaStatus,
  regenerateRecoveryCodes,
  removeFactors,
  startTotpEnrolment,
  type TotpEnrolment,
} from "./enrolment.ts";
import type { MfaDeps } from "./mfa-deps.ts";
import { checkSecondFactor, type ProofInput, reauthenticate, requireProof } from "./proof.ts";
import type { SecondFactorCheck } from "../accounts/account-deps.ts";
import { openTotpSecret } from "./factor-codes.ts";
import { findTotpFactor } from "../../repositories/totp-factors.ts";
import { currentTotpCode } from "./totp.ts";
import { findUserByEmail, findUserById } from "../../repositories/users.ts";
import { AppError } from "../../errors.ts";
import type { AdminActor } from "../admin/context.ts";
import { normalizeEmail } from "../accounts/email-address.ts";

/** The second factor: enrolment, the sign-in's second step, recovery codes, turning it off. */
export interface MfaService {
  startTotpEnrolment(auth: AuthContext, proof: ProofInput, meta: RequestMeta): Promise<TotpEnrolment>;
  activateTotp(auth: AuthContext, code: string, meta: RequestMeta): Promise<{ recovery_codes: string[] }>;
  status(auth: AuthContext): Promise<MfaStatus>;
  verify(input: { mfa_token: string; code: string }, meta: RequestMeta): Promise<SigninResult>;
  disable(auth: AuthContext, proof: ProofInput, meta: RequestMeta): Promise<void>;
  regenerateRecoveryCodes(
    auth: AuthContext,
    proof: ProofInput,
    meta: RequestMeta,
  ): Promise<{ recovery_codes: string[] }>;
  /** The admin API: turns the user's factors off, the actor on the event; not_found for an unknown user */
  removeFactorsOf(userId: string, actor: AdminActor): Promise<void>;
  /** A pair for this session with a fresh `auth_time` after the password (and code) again */
  reauthenticate(
    auth: AuthContext,
    proof: { current_password: string; mfa_code?: string },
    meta: RequestMeta,
  ): Promise<TokenPair>;
  /** The check the account flows run on a sensitive request's `mfa_code` */
  secondFactor: SecondFactorCheck;
  /** Development only (GET /dev/mfa/code): the current code of the address's factor, pending or on */
  currentCode(email: string): Promise<string | null>;
}

export function createMfaService(deps: MfaDeps): MfaService {
  return {
    startTotpEnrolment: (auth, proof, meta) => startTotpEnrolment(deps, auth, proof, meta),
    activateTotp: (auth, code, meta) => activateTotp(deps, auth, code, meta),
    status: (auth) => mfaStatus(deps, auth),
    verify: (input, meta) => verifyMfaChallenge(deps, input, meta),
    disable: (auth, proof, meta) => disableMfa(deps, auth, proof, meta),
    reauthenticate: (auth, proof, meta) => reauthenticate(deps, auth, proof, meta),
    secondFactor: {
      async check(user, auth, code, meta) {
        await checkSecondFactor(deps, user, auth, code, meta);
      },
      requireProof: (user, auth, proof, meta) => requireProof(deps, user, auth, proof, meta),
    },
    regenerateRecoveryCodes: (auth, proof, meta) => regenerateRecoveryCodes(deps, auth, proof, meta),
    async removeFactorsOf(userId, actor) {
      const user = await findUserById(deps.db, userId);
      if (!user) throw new AppError("not_found", "No user with this id");
      await removeFactors(deps, user, actor.meta, actor.name);
    },
    async currentCode(email) {
      const user = await findUserByEmail(deps.db, normalizeEmail(email));
      const factor = user && await findTotpFactor(deps.db, user.id);
      if (!user || !factor) return null;
      return currentTotpCode(await openTotpSecret(deps.sealer, user.id, factor.secret_sealed), deps.clock.now());
    },
  };
}
