/** What a test reads from the tokens the service issues, without verifying them (the app does that). */
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from "jose";

/** The claims of an access or refresh token: its subject, session and id besides the registered ones. */
export type TokenClaims = JWTPayload & { sub: string; sid: string; jti: string; ver?: number };

/** The payload of a token, decoded. */
export function claimsOf(token: string): TokenClaims {
  return decodeJwt(token) as TokenClaims;
}

/** The protected header of a token: `alg`, `kid`, `typ`. */
export function headerOf(token: string): ProtectedHeaderParameters {
  return decodeProtectedHeader(token);
}
