import type { Config } from "../../config.ts";
import { deriveHmacKey, hmacHex } from "../secrets.ts";

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

const keys = new WeakMap<Config, Promise<CryptoKey>>();

/** The HMAC key for codes, derived once per configuration from JWT_SECRET (never the raw JWT key). */
function otpKey(config: Config): Promise<CryptoKey> {
  let key = keys.get(config);
  if (!key) {
    key = deriveHmacKey(config.jwt.accessSecret, "email-verification-otp v1");
    keys.set(config, key);
  }
  return key;
}

/** What the database stores for a code: an HMAC bound to the user, so A's code is useless for B. */
export async function otpDigest(config: Config, userId: string, code: string): Promise<string> {
  return await hmacHex(await otpKey(config), `${userId}:${code}`);
}
