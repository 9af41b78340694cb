/** Who a verified, unrevoked access token belongs to. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  jti: string;
  tokenVersion: number;
  /** Access-token expiry, seconds since the epoch */
  expiresAt: number;
}
