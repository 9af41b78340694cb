import type { SigninResult } from "../accounts/credentials/signin.ts";
import { liveAccount } from "../accounts/settings/current-password.ts";
import type { AuthContext, RequestMeta } from "../identity.ts";
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
import type { ProofInput } from "./proof.ts";
import { openTotpSecret } from "./factor-codes.ts";
import { findTotpFactor } from "../../repositories/totp-factors.ts";
import { currentTotpCode } from "./totp.ts";
import { findUserByEmail } from "../../repositories/users.ts";
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
  /** The admin API: turns the user's factors off; false when none was on */
  removeFactorsOf(userId: string, meta: RequestMeta): Promise<boolean>;
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
    regenerateRecoveryCodes: (auth, proof, meta) => regenerateRecoveryCodes(deps, auth, proof, meta),
    async removeFactorsOf(userId, meta) {
      const user = await liveAccount(deps, userId);
      return await removeFactors(deps, user, "mfa_disabled", "disabled_by_admin", meta);
    },
    async currentCode(email) {
      const user = await findUserByEmail(deps.db, normalizeEmail(email));
      const factor = user && await findTotpFactor(deps.db, user.id);
      if (!user || !factor) return null;
      return currentTotpCode(await openTotpSecret(deps.sealer, user.id, factor.secret_sealed), deps.clock.now());
    },
  };
}
