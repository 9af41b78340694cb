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
}

/** Who a verified, unrevoked access token belongs to. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  jti: string;
  tokenVersion: number;
  /** Access-token expiry, seconds since the epoch */
  expiresAt: number;
}

/** OAuth-style token pair, the shape of TokenPairSchema. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}
