/**
 * Turning the authenticator factor on and off, and the recovery codes that come with it.
 * Every change needs a proof (see proof.ts), records an event and mails the owner.
 * @module
 */
import { renderSVG } from "uqr";
import { AppError } from "../../errors.ts";
import {
  countUnusedRecoveryCodes,
  deleteRecoveryCodes,
  replaceRecoveryCodes,
} from "../../repositories/recovery-codes.ts";
import {
  activateTotpFactor,
  deleteTotpFactor,
  findTotpFactor,
  upsertPendingTotpFactor,
} from "../../repositories/totp-factors.ts";
import { liveAccount } from "../accounts/settings/current-password.ts";
import type { AuthContext, RequestMeta } from "../identity.ts";
import {
  hasActiveFactor,
  invalidMfaCodeError,
  openTotpSecret,
  parseFactorCode,
  sealTotpSecret,
} from "./factor-codes.ts";
import type { MfaDeps } from "./mfa-deps.ts";
import { notice } from "./notices.ts";
import { type ProofInput, requireProof } from "./proof.ts";
import { newRecoveryCodes, recoveryCodeDigest } from "./recovery-codes.ts";
import { matchingStep, newTotpSecret, totpUri } from "./totp.ts";
import { withEvents } from "../audit-trail.ts";
import { recordAdminEvent } from "../../repositories/admin-security-events.ts";

/** An enrolment nobody finished with a first code is dead after this. */
export const TOTP_ENROLMENT_TTL_SECONDS = 600;

/** What the owner scans or types into an authenticator app; shown while enrolling only. */
export interface TotpEnrolment {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
  expires_in: number;
}

/** Which factors are on and how many recovery codes are left. */
export interface MfaStatus {
  enabled: boolean;
  methods: "totp"[];
  totp_enabled_at: string | null;
  recovery_codes_left: number;
}

function alreadyOnError(): AppError {
  return new AppError("conflict", "A second factor is already on; turn it off first to set up another");
}

/**
 * Starts enrolling an authenticator app. Production refuses without KEY_ENCRYPTION_KEY: the
 * secret is sealed at rest as signing keys are, and a key derived from JWT_SECRET (what
 * development falls back on) would put the secret beside what opens it.
 */
export async function startTotpEnrolment(
  deps: MfaDeps,
  auth: AuthContext,
  proof: ProofInput,
  meta: RequestMeta,
): Promise<TotpEnrolment> {
  const user = await liveAccount(deps, auth.userId);
  if (deps.config.environment === "production" && !deps.config.jwt.keyEncryptionKey) {
    throw new AppError("conflict", "Second factors need KEY_ENCRYPTION_KEY to be set on this server");
  }
  if (await hasActiveFactor(deps.db, user.id)) throw alreadyOnError();
  await requireProof(deps, user, auth, proof, meta);
  const now = deps.clock.now();
  const secret = newTotpSecret();
  const stored = await upsertPendingTotpFactor(deps.db, {
    userId: user.id,
    secretSealed: await sealTotpSecret(deps.sealer, user.id, secret),
    now,
    pendingUntil: new Date(now.getTime() + TOTP_ENROLMENT_TTL_SECONDS * 1000),
  });
  if (!stored) throw alreadyOnError();
  const uri = totpUri(secret, deps.config.mfaIssuer, user.email);
  return { secret, otpauth_uri: uri, qr_svg: renderSVG(uri), expires_in: TOTP_ENROLMENT_TTL_SECONDS };
}

/** New recovery codes for the account, stored as HMACs in `trx`; returned in clear once. */
async function issueRecoveryCodes(deps: MfaDeps, userId: string) {
  const codes = newRecoveryCodes();
  const digests = await Promise.all(codes.map((code) => recoveryCodeDigest(deps.config, userId, code)));
  return { codes, digests };
}

/** The first right code turns the factor on and returns 10 recovery codes, this once. */
export async function activateTotp(
  deps: MfaDeps,
  auth: AuthContext,
  code: string,
  meta: RequestMeta,
): Promise<{ recovery_codes: string[] }> {
  const user = await liveAccount(deps, auth.userId);
  const submitted = parseFactorCode(code);
  const now = deps.clock.now();
  const factor = await findTotpFactor(deps.db, user.id);
  if (factor?.activated_at) throw alreadyOnError();
  if (!factor?.pending_until || factor.pending_until <= now) {
    throw new AppError("conflict", "No enrolment is waiting for a code; start again with POST /auth/mfa/totp");
  }
  if (submitted.kind !== "totp") throw invalidMfaCodeError();
  const step = matchingStep(await openTotpSecret(deps.sealer, user.id, factor.secret_sealed), submitted.code, now);
  if (step === null) throw invalidMfaCodeError();
  const { codes, digests } = await issueRecoveryCodes(deps, user.id);
  const activated = await withEvents(deps, async (trx, record) => {
    if (!await activateTotpFactor(trx, user.id, step, now)) return false;
    await replaceRecoveryCodes(trx, user.id, digests, now);
    await record({ userId: user.id, type: "mfa_enabled", ...meta, at: now });
    return true;
  });
  if (!activated) throw alreadyOnError();
  return { recovery_codes: codes };
}

/** Turns every factor off after a proof. */
export async function disableMfa(deps: MfaDeps, auth: AuthContext, proof: ProofInput, meta: RequestMeta) {
  const user = await liveAccount(deps, auth.userId);
  await requireProof(deps, user, auth, proof, meta);
  await removeFactors(deps, user, meta);
}

/**
 * Removes the factor and its codes; the owner is told when one was on. An administrator's
 * removal records who did it (`actor`) on the event.
 */
export async function removeFactors(
  deps: MfaDeps,
  user: { id: string; email: string; name: string | null },
  meta: RequestMeta,
  actor?: string,
): Promise<boolean> {
  const now = deps.clock.now();
  return await withEvents(deps, async (trx, record) => {
    const wasOn = await deleteTotpFactor(trx, user.id);
    await deleteRecoveryCodes(trx, user.id);
    if (!wasOn) return false;
    const event = { userId: user.id, type: "mfa_disabled" as const, ...meta, at: now };
    if (actor) await record({ ...event, actor, details: {} }, recordAdminEvent);
    else await record(event);
    return true;
  });
}

/** Ten new recovery codes after a proof; every earlier one dies. */
export async function regenerateRecoveryCodes(
  deps: MfaDeps,
  auth: AuthContext,
  proof: ProofInput,
  meta: RequestMeta,
): Promise<{ recovery_codes: string[] }> {
  const user = await liveAccount(deps, auth.userId);
  if (!await hasActiveFactor(deps.db, user.id)) {
    throw new AppError("conflict", "No second factor is on: recovery codes come with one");
  }
  await requireProof(deps, user, auth, proof, meta);
  const { codes, digests } = await issueRecoveryCodes(deps, user.id);
  const now = deps.clock.now();
  await notice(
    deps,
    user,
    "recovery_codes_regenerated",
    meta,
    (trx) => replaceRecoveryCodes(trx, user.id, digests, now),
  );
  return { recovery_codes: codes };
}

/** GET /auth/mfa: never a secret nor a code. */
export async function mfaStatus(deps: MfaDeps, auth: AuthContext): Promise<MfaStatus> {
  const factor = await findTotpFactor(deps.db, auth.userId);
  const on = Boolean(factor?.activated_at);
  return {
    enabled: on,
    methods: on ? ["totp"] : [],
    totp_enabled_at: factor?.activated_at ? factor.activated_at.toISOString() : null,
    recovery_codes_left: on ? await countUnusedRecoveryCodes(deps.db, auth.userId) : 0,
  };
}
