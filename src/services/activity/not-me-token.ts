/**
 * The single-use token of a "this wasn't me" link: random, and kept only as its HMAC under a key
 * of its own purpose, derived from HMAC_SECRET (and HMAC_SECRET_PREVIOUS, so a rotation keeps
 * the links already mailed working).
 * @module
 */
import type { Config } from "../../config.ts";
import { base64url } from "../../encoding.ts";
import { deriveHmacKey, hmacHex, type HmacKey, keyFingerprint } from "../secrets.ts";

const TOKEN_BYTES = 32;
const KEY_LABEL = "not-me-token v1";
const derived = new WeakMap<Config, { id: string; key: HmacKey }[]>();

/** The current key first, then the previous one. */
function keysOf(config: Config): { id: string; key: HmacKey }[] {
  let keys = derived.get(config);
  if (!keys) {
    const secrets = [config.codeSecrets.current, config.codeSecrets.previous].filter((s): s is string => Boolean(s));
    keys = secrets.map((secret) => ({ id: keyFingerprint(secret), key: deriveHmacKey(secret, KEY_LABEL) }));
    derived.set(config, keys);
  }
  return keys;
}

/** A fresh token and its HMAC under the current key: all the database keeps. */
export async function newNotMeToken(config: Config): Promise<{ token: string; keyId: string; tokenHash: string }> {
  const token = base64url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
  const [current] = keysOf(config);
  return { token, keyId: current.id, tokenHash: await hmacHex(current.key, token) };
}

/** The digest a stored token has under each configured key. */
export async function notMeTokenDigests(config: Config, token: string): Promise<{ keyId: string; digest: string }[]> {
  return await Promise.all(
    keysOf(config).map(async ({ id, key }) => ({ keyId: id, digest: await hmacHex(key, token) })),
  );
}
