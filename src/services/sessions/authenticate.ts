import { invalidTokenError } from "../../errors.ts";
import { type CurrentUser, currentUserView } from "../current-user.ts";
import type { AuthContext, TokenClaims } from "../identity.ts";
import type { SessionContext } from "./context.ts";
import { InvalidTokenError } from "./tokens.ts";

/** Signature, HS256 only, iss, aud, typ and exp: anything wrong is the same 401. */
async function verifiedClaims(ctx: SessionContext, token: string): Promise<TokenClaims> {
  try {
    return await ctx.signer.verifyAccess(token, ctx.clock.now());
  } catch (error) {
    if (error instanceof InvalidTokenError) throw invalidTokenError();
    throw error;
  }
}

function authContext(claims: TokenClaims): AuthContext {
  return {
    userId: claims.userId,
    sessionId: claims.sessionId,
    jti: claims.jti,
    tokenVersion: claims.tokenVersion,
    expiresAt: claims.expiresAt,
    assurance: claims.assurance,
  };
}

/**
 * Verifies an access token and checks it was not revoked: denylisted jti, ended session or
 * older token version. Any failure is the same 401 `invalid_token` with the RFC 6750 challenge.
 */
export async function authenticateAccessToken(ctx: SessionContext, token: string): Promise<AuthContext> {
  const claims = await verifiedClaims(ctx, token);
  if (!await ctx.revocations.isUsable(claims)) throw invalidTokenError();
  return authContext(claims);
}

/** RFC 7662's answer about an access token: its claims while usable, `active: false` otherwise. */
export type AccessTokenIntrospection =
  | { active: false }
  | {
    active: true;
    sub: string;
    sid: string;
    exp: number;
    iat: number;
    token_type: "Bearer";
    amr: string[];
    aal: 1 | 2;
    auth_time: number;
  };

/**
 * What `authenticateAccessToken` would decide about the token, as RFC 7662 states it: the
 * same verification and the same revocation check (Redis cache or PostgreSQL), so a token
 * introspects as active exactly when a bearer route would accept it.
 */
export async function introspectAccessToken(ctx: SessionContext, token: string): Promise<AccessTokenIntrospection> {
  let claims: TokenClaims;
  try {
    claims = await ctx.signer.verifyAccess(token, ctx.clock.now());
  } catch (error) {
    if (error instanceof InvalidTokenError) return { active: false };
    throw error;
  }
  if (!await ctx.revocations.isUsable(claims)) return { active: false };
  return {
    active: true,
    sub: claims.userId,
    sid: claims.sessionId,
    exp: claims.expiresAt,
    iat: claims.issuedAt,
    token_type: "Bearer",
    amr: claims.assurance.amr,
    aal: claims.assurance.aal,
    auth_time: claims.assurance.authTime,
  };
}

/**
 * `authenticateAccessToken` plus the token's user, for routes that read the user anyway:
 * without Redis the revocation check and the read are one statement. A user deleted since
 * the token was issued is a 401 like a revoked token.
 */
export async function authenticateWithUser(
  ctx: SessionContext,
  token: string,
): Promise<{ auth: AuthContext; user: CurrentUser }> {
  const claims = await verifiedClaims(ctx, token);
  const profile = await ctx.revocations.usableProfile(claims);
  if (!profile) throw invalidTokenError();
  return { auth: authContext(claims), user: currentUserView(profile) };
}
