import type { Config } from "../../../config.ts";
import { base64url } from "../../../encoding.ts";
import { constantTimeEqual, hmacHex } from "../../secrets.ts";
import { codeKeys } from "../signup/code-keys.ts";

const ACCOUNT_TOKEN_BYTES = 32;
const ACCOUNT_TOKEN_KEY_LABEL = "account-token v1";
const EMAIL_CHANGE_KEY_LABEL = "email-change-code v1";

/** How long the "this wasn't me" token of an address change works. */
export const REVERT_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** A fresh single-use token (revert, cancel) and its HMAC under the current code key: all the database keeps. */
export async function newAccountToken(config: Config): Promise<{ token: string; keyId: string; tokenHash: string }> {
  const token = base64url(crypto.getRandomValues(new Uint8Array(ACCOUNT_TOKEN_BYTES)));
  const { current } = codeKeys(config, ACCOUNT_TOKEN_KEY_LABEL);
  return { token, keyId: current.id, tokenHash: await hmacHex(current.key, token) };
}

/** The digest a stored token has under each configured code key (current, previous). */
export async function accountTokenDigests(config: Config, token: string): Promise<{ keyId: string; digest: string }[]> {
  const keys = codeKeys(config, ACCOUNT_TOKEN_KEY_LABEL);
  return await Promise.all(keys.all.map(async ({ id, key }) => ({ keyId: id, digest: await hmacHex(key, token) })));
}

/** The HMAC of an address-change code, bound to the user and the new address, under the current key. */
export async function emailChangeDigest(
  config: Config,
  userId: string,
  newEmailNormalized: string,
  code: string,
): Promise<{ keyId: string; digest: string }> {
  const { current } = codeKeys(config, EMAIL_CHANGE_KEY_LABEL);
  return { keyId: current.id, digest: await hmacHex(current.key, `${userId}:${newEmailNormalized}:${code}`) };
}

/** Checks a submitted code against the stored HMAC under the key its row names, in constant time. */
export async function emailChangeMatches(
  config: Config,
  userId: string,
  newEmailNormalized: string,
  code: string,
  stored: { codeHmac: string; keyId: string },
): Promise<boolean> {
  const keys = codeKeys(config, EMAIL_CHANGE_KEY_LABEL);
  let matched = false;
  for (const { key } of keys.candidates(stored.keyId)) {
    const digest = await hmacHex(key, `${userId}:${newEmailNormalized}:${code}`);
    if (constantTimeEqual(digest, stored.codeHmac)) matched = true;
  }
  return matched;
}
