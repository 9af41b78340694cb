import { createHash } from "node:crypto";
import { base64url, hex } from "../encoding.ts";

const encoder = new TextEncoder();

/**
 * Derives a dedicated HMAC-SHA256 key from a server secret with HKDF, one per purpose
 * (`label`), so a code digest can never be confused with, or help forge, a JWT signed
 * with the same secret.
 */
export async function deriveHmacKey(secret: string, label: string): Promise<CryptoKey> {
  const master = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("jessy-api"), info: encoder.encode(label) },
    master,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}

const keysByPurpose = new Map<string, WeakMap<object, Promise<CryptoKey>>>();

/**
 * `deriveHmacKey(secret, label)`, derived once per configuration object and purpose: the
 * hot paths (codes, cursors) reuse the imported key instead of running HKDF per call.
 */
export function purposeKey(owner: object, secret: string, label: string): Promise<CryptoKey> {
  let byOwner = keysByPurpose.get(label);
  if (!byOwner) keysByPurpose.set(label, byOwner = new WeakMap());
  let key = byOwner.get(owner);
  if (!key) byOwner.set(owner, key = deriveHmacKey(secret, label));
  return key;
}

export async function hmacHex(key: CryptoKey, message: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message))));
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
