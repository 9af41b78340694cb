/**
 * Checks a second-factor code for an account and uses it up: a TOTP code's step or a recovery
 * code, each claimed in one conditional statement, so one code works once however many
 * requests race with it.
 * @module
 */
import type { Config } from "../../config.ts";
import type { Executor } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { useRecoveryCode } from "../../repositories/recovery-codes.ts";
import { claimTotpStep, findTotpFactor } from "../../repositories/totp-factors.ts";
import type { KeySealer } from "../keys/sealing.ts";
import { normalizeRecoveryCode, recoveryCodeDigests } from "./recovery-codes.ts";
import { matchingStep, TOTP_DIGITS } from "./totp.ts";

/** RFC 8176 methods: `otp` for an authenticator code, `mfa` for a recovery code. */
export type FactorMethod = "otp" | "mfa";

/** A code as submitted, sorted by its shape: 6 digits, or a recovery code. */
export type SubmittedCode = { kind: "totp"; code: string } | { kind: "recovery"; code: string };

const TOTP_PATTERN = new RegExp(`^\\d{${TOTP_DIGITS}}$`);

/** One answer for every code that cannot be right: wrong, used, malformed, of the wrong length or kind. */
export function invalidMfaCodeError(): AppError {
  return new AppError("invalid_mfa_code", "The code is not valid for this account", {
    errors: [{ path: "code", message: "Enter the 6-digit code from the authenticator app or an unused recovery code" }],
  });
}

/** Sorts a submitted code by its shape; anything else is `invalid_mfa_code`. */
export function parseFactorCode(raw: string): SubmittedCode {
  const trimmed = raw.trim().replaceAll(" ", "");
  if (TOTP_PATTERN.test(trimmed)) return { kind: "totp", code: trimmed };
  const recovery = normalizeRecoveryCode(raw);
  if (recovery) return { kind: "recovery", code: recovery };
  throw invalidMfaCodeError();
}

/** The factor's secret in clear, the account id as associated data (a row copied to another account will not open). */
export function sealTotpSecret(sealer: KeySealer, userId: string, secret: string): Promise<string> {
  return sealer.seal(`totp:${userId}`, secret);
}

export function openTotpSecret(sealer: KeySealer, userId: string, sealed: string): Promise<string> {
  return sealer.open(`totp:${userId}`, sealed);
}

/** What a code would claim, worked out before any transaction (opening the secret, the HMACs). */
export interface PreparedClaim {
  claim(db: Executor): Promise<FactorMethod | null>;
}

/**
 * Prepares the claim of a code for an account with a factor on: the step a TOTP code matches,
 * or the digests a recovery code may be stored under. Nothing is used until `claim` runs.
 */
export async function prepareClaim(
  deps: { db: Executor; config: Config; sealer: KeySealer },
  userId: string,
  submitted: SubmittedCode,
  now: Date,
): Promise<PreparedClaim> {
  if (submitted.kind === "recovery") {
    const digests = await recoveryCodeDigests(deps.config, userId, submitted.code);
    return { claim: async (db) => await useRecoveryCode(db, userId, digests, now) ? "mfa" : null };
  }
  const factor = await findTotpFactor(deps.db, userId);
  if (!factor?.activated_at) return { claim: () => Promise.resolve(null) };
  const step = matchingStep(await openTotpSecret(deps.sealer, userId, factor.secret_sealed), submitted.code, now);
  return { claim: async (db) => step !== null && await claimTotpStep(db, userId, step) ? "otp" : null };
}

/** Whether the account has a factor on. */
export { hasActiveTotpFactor as hasActiveFactor } from "../../repositories/totp-factors.ts";
