import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { base64url, fromBase64url } from "../../encoding.ts";
import type { TokenPair } from "../identity.ts";

const VERSION = "v1";

/**
 * The AES-256-GCM key of a refresh token's successor: derived from the token itself, which
 * the database never holds (only its SHA-256), so only whoever presents the token again can
 * open what was sealed for it. node:crypto runs on the calling thread (no WebCrypto hop).
 */
function successorKey(refreshToken: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", refreshToken, "jessy-api", "refresh successor v1", 32));
}

/** Seals the pair a refresh token is exchanged for, to hand out again within the reuse grace window. */
export function sealSuccessor(refreshToken: string, pair: TokenPair): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", successorKey(refreshToken), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(pair), "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${base64url(iv)}.${base64url(sealed)}`;
}

/** The sealed pair, or undefined when it was not sealed for this token. */
export function openSuccessor(refreshToken: string, sealed: string): TokenPair | undefined {
  const [version, iv, body] = sealed.split(".");
  if (version !== VERSION || !iv || !body) return undefined;
  try {
    const bytes = fromBase64url(body);
    const decipher = createDecipheriv("aes-256-gcm", successorKey(refreshToken), fromBase64url(iv));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
    return JSON.parse(plain.toString("utf8")) as TokenPair;
  } catch {
    return undefined;
  }
}
