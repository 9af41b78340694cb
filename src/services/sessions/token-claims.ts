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
