import { base64url } from "../../encoding.ts";
import { sha256Hex } from "../secrets.ts";

const RESET_TOKEN_BYTES = 32;
export const RESET_TOKEN_TTL_MS = 15 * 60 * 1000;

/** A fresh reset token and the SHA-256 hash that is all the database keeps of it. */
export function newResetToken(): { token: string; tokenHash: string } {
  const token = base64url(crypto.getRandomValues(new Uint8Array(RESET_TOKEN_BYTES)));
  return { token, tokenHash: hashResetToken(token) };
}

export function hashResetToken(token: string): string {
  return sha256Hex(token);
}
