/**
 * Recovery codes: 10 per account, each `xxxxx-xxxxx` from a 31-letter alphabet (49 bits), shown
 * once. Only an HMAC bound to the account is stored (like e-mail codes), so a database dump
 * reveals none.
 * @module
 */
import type { Config } from "../../config.ts";
import { hmacHex } from "../secrets.ts";
import { codeKeys } from "../accounts/signup/code-keys.ts";

export const RECOVERY_CODE_COUNT = 10;
/** No 0/o, 1/l/i: codes are read off paper */
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
const HALF = 5;
const KEY_LABEL = "mfa-recovery-code v1";
/** What a recovery code looks like once spaces and case are set aside */
export const RECOVERY_CODE_PATTERN = /^[2-9a-hjkmnp-z]{5}-?[2-9a-hjkmnp-z]{5}$/;

function randomHalf(): string {
  // 256 is not a multiple of 31: redraw the bytes that would favour the first letters
  const limit = 256 - (256 % ALPHABET.length);
  let out = "";
  while (out.length < HALF) {
    for (const byte of crypto.getRandomValues(new Uint8Array(HALF))) {
      if (byte < limit && out.length < HALF) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

/** Ten new codes, as shown to the owner. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => `${randomHalf()}-${randomHalf()}`);
}

/** A submitted recovery code in its one stored form (lower case, with the dash), or null if it cannot be one. */
export function normalizeRecoveryCode(code: string): string | null {
  const compact = code.trim().toLowerCase().replaceAll(" ", "");
  if (!RECOVERY_CODE_PATTERN.test(compact)) return null;
  const letters = compact.replace("-", "");
  return `${letters.slice(0, HALF)}-${letters.slice(HALF)}`;
}

/** The HMAC stored for a code of this account, under the current code key. */
export async function recoveryCodeDigest(config: Config, userId: string, code: string) {
  const { current } = codeKeys(config, KEY_LABEL);
  return { keyId: current.id, digest: await hmacHex(current.key, `${userId}:${code}`) };
}

/** Every digest a stored row of this code may hold (current and previous code keys). */
export async function recoveryCodeDigests(config: Config, userId: string, code: string): Promise<string[]> {
  const keys = codeKeys(config, KEY_LABEL).all;
  return await Promise.all(keys.map(({ key }) => hmacHex(key, `${userId}:${code}`)));
}
