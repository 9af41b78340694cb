/**
 * RFC 6238 time-based codes: 6 digits, HMAC-SHA-1, 30-second steps, as every authenticator
 * app reads an `otpauth://totp/` URI. A code is accepted for its step and one step either side
 * (clock drift); which step matched is returned, so the caller can refuse it a second time.
 * @module
 */
import { HOTP, Secret, TOTP } from "otpauth";
import { constantTimeEqual } from "../secrets.ts";

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one */
export const TOTP_DRIFT_STEPS = 1;
/** RFC 4226 recommends at least 128 bits; authenticator apps expect 160 (the SHA-1 block) */
const SECRET_BYTES = 20;

/** A new secret, base32 (what the authenticator app is given). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/Issuer:label?secret=…` URI an authenticator app scans. */
export function totpUri(secretBase32: string, issuer: string, label: string): string {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** The 30-second step `now` falls in (the RFC's T). */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of one step for a raw secret; `digits` other than 6 only for the RFC's test vectors. */
export function codeForStep(secret: Uint8Array, step: number, digits = TOTP_DIGITS): string {
  return HOTP.generate({
    secret: new Secret({ buffer: secret.slice().buffer }),
    counter: step,
    digits,
    algorithm: "SHA1",
  });
}

/** The current code of a base32 secret (development's GET /dev/mfa/code, tests). */
export function currentTotpCode(secretBase32: string, now: Date): string {
  return codeForStep(Secret.fromBase32(secretBase32).bytes, totpStep(now));
}

/**
 * The step whose code `code` is, among the current step and one either side; null when none.
 * Every candidate is compared, in constant time, so the answer's timing does not say which.
 */
export function matchingStep(secretBase32: string, code: string, now: Date): number | null {
  const secret = Secret.fromBase32(secretBase32).bytes;
  const current = totpStep(now);
  let matched: number | null = null;
  for (let step = current - TOTP_DRIFT_STEPS; step <= current + TOTP_DRIFT_STEPS; step++) {
    if (constantTimeEqual(codeForStep(secret, step), code) && matched === null) matched = step;
  }
  return matched;
}
