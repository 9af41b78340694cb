import type { AuthContext } from "../http/app-env.ts";
import { invalidTokenError } from "../http/middleware/authenticate.ts";
import type { SessionContext } from "./session-context.ts";
import { InvalidTokenError, type TokenClaims } from "./tokens.ts";

/**
 * Verifies an access token (signature, HS256 only, iss, aud, typ, exp) and checks it was not
 * revoked: denylisted jti, ended session or older token version. Any failure is the same
 * 401 `invalid_token` with the RFC 6750 challenge.
 */
export async function authenticateAccessToken(ctx: SessionContext, token: string): Promise<AuthContext> {
  let claims: TokenClaims;
  try {
    claims = await ctx.signer.verifyAccess(token, ctx.clock.now());
  } catch (error) {
    if (error instanceof InvalidTokenError) throw invalidTokenError();
    throw error;
  }
  if (!await ctx.revocations.isUsable(claims)) throw invalidTokenError();
  return {
    userId: claims.userId,
    sessionId: claims.sessionId,
    jti: claims.jti,
    tokenVersion: claims.tokenVersion,
    expiresAt: claims.expiresAt,
  };
}
