/**
 * The byte and text encodings the service uses, one helper each.
 * @module
 */

import { Buffer } from "node:buffer";

const encoder = new TextEncoder();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Length in bytes once encoded as UTF-8 (what bcrypt and secret minimums count, not UTF-16 units). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** Lower-case hex of the bytes. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Unpadded base64url (RFC 4648 §5) of the bytes, encoded natively (a sealed refresh pair is ~800 bytes). */
export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * The bytes of a base64url text, padded or not; throws on anything else. Checked first, since
 * node:buffer's decoder skips characters it does not know; decoded natively, as every keyset
 * cursor and sealed pair is (a byte-at-a-time copy cost a deep page ~10 µs).
 */
export function fromBase64url(text: string): Uint8Array {
  // A lone character after the last full group of four encodes no whole byte
  if (!BASE64URL.test(text) || text.replace(/=+$/, "").length % 4 === 1) throw new TypeError("Not base64url");
  const bytes = Buffer.from(text, "base64url");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The bytes of base64 text in either alphabet (standard, as `openssl rand -base64` prints, or URL-safe), padded or not. */
export function fromBase64(text: string): Uint8Array {
  return fromBase64url(text.replaceAll("+", "-").replaceAll("/", "_"));
}

/** Standard padded base64 of the bytes. */
export function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** True for a UUID in its canonical 8-4-4-4-12 hex form, any case. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * True for an RFC 6750 §2.1 `b64token`, what may follow `Bearer ` in an Authorization header:
 * letters, digits and `-._~+/`, then `=` padding. JWTs, admin keys and base64 or hex secrets are.
 */
export function isB64Token(text: string): boolean {
  return B64TOKEN.test(text);
}
