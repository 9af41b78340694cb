import { isB64Token } from "../encoding.ts";

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1: the scheme in any case,
 * one or more spaces, a b64token); undefined for a missing header, another scheme or anything
 * else. The one reading of the header for access tokens, admin keys, /health and /metrics.
 */
export function bearerToken(header: string | undefined): string | undefined {
  const token = BEARER.exec(header ?? "")?.[1];
  return token !== undefined && isB64Token(token) ? token : undefined;
}
