/**
 * The proof a sensitive operation asks for: `current_password` (plus `mfa_code` when a factor
 * is on), or an access token whose sign-in was proven less than 5 minutes ago — at level 2 when
 * a factor is on, so a session from before the factor cannot change it.
 * @module
 */
import type { UserRow } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { recordEvent } from "../audit-trail.ts";
import type { AuthContext, RequestMeta, TokenPair } from "../identity.ts";
import {
  checkCurrentPassword,
  liveAccount,
  reauthenticationRequiredError,
} from "../accounts/settings/current-password.ts";
import {
  CURRENT_PASSWORD_SESSION_POLICY,
  currentPasswordSessionRule,
  giveBackAttempt,
  takeAttempt,
} from "../accounts/credentials/signin-limits.ts";
import {
  type FactorMethod,
  hasActiveFactor,
  invalidMfaCodeError,
  parseFactorCode,
  prepareClaim,
} from "./factor-codes.ts";
import type { MfaDeps } from "./mfa-deps.ts";
import { noticeRecoveryCodeUsed } from "./notices.ts";

/** How long after proving who they are a session may change what is sensitive without asking again. */
export const FRESH_AUTH_SECONDS = 300;

/** What a sensitive request may carry as proof. */
export interface ProofInput {
  current_password?: string;
  mfa_code?: string;
}

/** Whether the access token's sign-in is recent enough, at the level the account needs. */
export function isFreshAuth(auth: AuthContext, now: Date, factorOn: boolean): boolean {
  const age = now.getTime() / 1000 - auth.assurance.authTime;
  return age < FRESH_AUTH_SECONDS && (!factorOn || auth.assurance.aal === 2);
}

/**
 * Accepts the proof or throws: 403 `reauthentication_required` without a password and a fresh
 * token, 400 `invalid_current_password`, 403 `mfa_code_required`, 400 `invalid_mfa_code`. Wrong
 * codes spend the session's budget for wrong current passwords.
 */
export async function requireProof(
  deps: MfaDeps,
  user: UserRow,
  auth: AuthContext,
  proof: ProofInput,
  meta: RequestMeta,
): Promise<void> {
  const now = deps.clock.now();
  const factorOn = await hasActiveFactor(deps.db, user.id);
  if (proof.current_password === undefined) {
    if (isFreshAuth(auth, now, factorOn)) return;
    throw reauthenticationRequiredError();
  }
  await checkCurrentPassword(deps, user, auth.sessionId, proof.current_password, meta);
  await checkSecondFactor(deps, user, auth, proof.mfa_code, meta);
}

/**
 * The code a request carries beside its right password while a factor is on: required (403
 * `mfa_code_required`), used up once right, a wrong one spending the session's budget for wrong
 * current passwords. Nothing to check without a factor.
 */
export async function checkSecondFactor(
  deps: MfaDeps,
  user: UserRow,
  auth: AuthContext,
  mfaCode: string | undefined,
  meta: RequestMeta,
): Promise<FactorMethod | null> {
  if (!await hasActiveFactor(deps.db, user.id)) return null;
  const now = deps.clock.now();
  if (mfaCode === undefined) {
    throw new AppError("mfa_code_required", "A second factor is on: send mfa_code with current_password", {
      errors: [{ path: "mfa_code", message: "Required while a second factor is on" }],
    });
  }
  const submitted = parseFactorCode(mfaCode);
  const attempt = await takeAttempt(deps, {
    policy: CURRENT_PASSWORD_SESSION_POLICY,
    rule: currentPasswordSessionRule(deps.config.rateLimit.perMinute),
    subject: auth.sessionId,
  });
  const method = await (await prepareClaim(deps, user.id, submitted, now)).claim(deps.db);
  if (!method) {
    await recordEvent(deps, { userId: user.id, type: "mfa_challenge_failed", ...meta, at: now });
    throw invalidMfaCodeError();
  }
  await giveBackAttempt(deps, attempt);
  if (method === "mfa") await noticeRecoveryCodeUsed(deps, user, meta);
  return method;
}

/**
 * POST /auth/reauthenticate: the password (and the code while a factor is on) again, then a
 * pair for this session with `auth_time` now, at level 2 when a code was given.
 */
export async function reauthenticate(
  deps: MfaDeps,
  auth: AuthContext,
  proof: { current_password: string; mfa_code?: string },
  meta: RequestMeta,
): Promise<TokenPair> {
  const user = await liveAccount(deps, auth.userId);
  await checkCurrentPassword(deps, user, auth.sessionId, proof.current_password, meta);
  const method = await checkSecondFactor(deps, user, auth, proof.mfa_code, meta);
  return await deps.sessions.reauthenticate(auth, method ? { amr: ["pwd", method], aal: 2 } : PASSWORD_ONLY, meta);
}

const PASSWORD_ONLY = { amr: ["pwd"], aal: 1 } as const satisfies { amr: string[]; aal: 1 };
