/**
 * Who a request or a token speaks for, as plain values: what services are told of a request
 * (never a Hono context) and what the token check, the revocation check and the handlers share.
 * @module
 */

/** Who made a request, as recorded on sessions and security events. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * How the user proved who they are for a session (RFC 8176 `amr`: `pwd`, `otp`, `mfa`), the
 * authenticator assurance level that gives (1: a password; 2: a second factor too) and when
 * (`auth_time`, seconds since the epoch). Tokens carry it; a refresh keeps it.
 */
export interface Assurance {
  amr: string[];
  aal: 1 | 2;
  authTime: number;
}

/** What an access or refresh token says once its signature and registered claims check out. */
export interface TokenClaims {
  /** User id (`sub`) */
  userId: string;
  /** Session id (`sid`): the token family */
  sessionId: string;
  /** Token id (`jti`); for refresh tokens the refresh_tokens row id */
  jti: string;
  /** users.token_version when the token was issued (`ver`) */
  tokenVersion: number;
  /** The key that signed it (`kid`; for tokens from before key ids, the HMAC key that verified it) */
  keyId: string;
  /** Seconds since the epoch (`iat`, `exp`) */
  issuedAt: number;
  expiresAt: number;
  /** `amr`, `aal`, `auth_time`; a token from before they were signed reads as a password at `iat` */
  assurance: Assurance;
}

/** Who a verified, unrevoked access token belongs to. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  jti: string;
  tokenVersion: number;
  /** Access-token expiry, seconds since the epoch */
  expiresAt: number;
  assurance: Assurance;
}

/** OAuth-style token pair, the shape of TokenPairSchema. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}
