import { createHash, createHmac, createSecretKey, hkdfSync, type KeyObject } from "node:crypto";
import { base64url } from "../encoding.ts";

const encoder = new TextEncoder();

/**
 * An HMAC-SHA256 key held by node:crypto. HMACs run on the calling thread: WebCrypto's sign
 * hops to a worker thread and back, which under load cost a keyset page about 50 µs of CPU
 * per MAC, many times the MAC itself.
 */
export type HmacKey = KeyObject;

/**
 * Derives a dedicated HMAC-SHA256 key from a server secret with HKDF (SHA-256, salt
 * "jessy-api", info = `label`, 256 bits), one per purpose, so a code digest can never be
 * confused with, or help forge, a JWT signed with the same secret. The same bytes WebCrypto's
 * HKDF deriveKey gives, so digests stored by earlier versions still verify.
 */
export function deriveHmacKey(secret: string, label: string): HmacKey {
  return createSecretKey(new Uint8Array(hkdfSync("sha256", secret, "jessy-api", label, 32)));
}

const keysByPurpose = new Map<string, WeakMap<object, HmacKey>>();

/**
 * `deriveHmacKey(secret, label)`, derived once per configuration object and purpose: the
 * hot paths (codes, cursors) reuse the key instead of running HKDF per call.
 */
export function purposeKey(owner: object, secret: string, label: string): HmacKey {
  let byOwner = keysByPurpose.get(label);
  if (!byOwner) keysByPurpose.set(label, byOwner = new WeakMap());
  let key = byOwner.get(owner);
  if (!key) byOwner.set(owner, key = deriveHmacKey(secret, label));
  return key;
}

/**
 * HMAC-SHA256 of the message, lower-case hex. Computed at once on the calling thread; the
 * answer stays promise-shaped so callers do not depend on where the MAC runs.
 */
export function hmacHex(key: HmacKey, message: string): Promise<string> {
  return Promise.resolve(createHmac("sha256", key).update(message).digest("hex"));
}

/**
 * SHA-256, hex. node:crypto hashes on the calling thread; WebCrypto's digest hops to a
 * worker thread and back, which under load cost many times the hash itself.
 */
export function sha256Hex(message: string): string {
  return createHash("sha256").update(message).digest("hex");
}

/** Compares two strings in time that depends only on their length (digests have a fixed one). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i] ^ right[i];
  return difference === 0;
}

/**
 * The key id of a secret: 128 bits of its SHA-256, base64url. It names the secret in token
 * headers and stored rows and says nothing a token signed with it does not already prove.
 */
export function keyFingerprint(secret: string): string {
  return base64url(createHash("sha256").update(`jessy-api key id\0${secret}`).digest().subarray(0, 16));
}
