import type { Config } from "../../../config.ts";
import { constantTimeEqual, hmacHex } from "../../secrets.ts";
import { codeKeys } from "./code-keys.ts";

export const OTP_DIGITS = 6;
const OTP_SPACE = 10 ** OTP_DIGITS;
// The largest multiple of 10^6 that fits in 32 bits: values at or above it are redrawn,
// so every code is exactly equally likely (plain `% 10^6` would favour low codes)
const UNBIASED_LIMIT = Math.floor(2 ** 32 / OTP_SPACE) * OTP_SPACE;

/** Fills the array with random values; crypto.getRandomValues unless a test injects one. */
export type RandomSource = (array: Uint32Array) => Uint32Array;

const cryptoRandom: RandomSource = (array) => crypto.getRandomValues(array);

/** A 6-digit code from a CSPRNG, by rejection sampling. */
export function generateOtp(random: RandomSource = cryptoRandom): string {
  const draw = new Uint32Array(1);
  for (;;) {
    random(draw);
    if (draw[0] < UNBIASED_LIMIT) return String(draw[0] % OTP_SPACE).padStart(OTP_DIGITS, "0");
  }
}

const OTP_KEY_LABEL = "email-verification-otp v1";

/**
 * What the database stores for a code: an HMAC bound to the user (A's code is useless for B)
 * under the current code key, and that key's id.
 */
export async function otpDigest(
  config: Config,
  userId: string,
  code: string,
): Promise<{ keyId: string; digest: string }> {
  const { current } = codeKeys(config, OTP_KEY_LABEL);
  return { keyId: current.id, digest: await hmacHex(current.key, `${userId}:${code}`) };
}

/**
 * Checks a submitted code against a stored digest in constant time, under the key the row
 * names (current or previous), or any configured key for rows older than key ids.
 */
export async function otpMatches(
  config: Config,
  userId: string,
  code: string,
  stored: { codeHmac: string; keyId: string | null },
): Promise<boolean> {
  const keys = codeKeys(config, OTP_KEY_LABEL);
  let matched = false;
  for (const { key } of keys.candidates(stored.keyId)) {
    if (constantTimeEqual(await hmacHex(key, `${userId}:${code}`), stored.codeHmac)) matched = true;
  }
  return matched;
}
