import type { NewRefreshToken } from "../../repositories/refresh-tokens.ts";
import type { SessionContext } from "./context.ts";
import { hashToken } from "./tokens.ts";
import type { Assurance, TokenPair } from "../identity.ts";

export interface SignedPair {
  pair: TokenPair;
  /** The refresh_tokens row to store: id, family, owner, SHA-256 of the token, expiry */
  refreshToken: NewRefreshToken;
}

export interface PairSubject {
  userId: string;
  sessionId: string;
  tokenVersion: number;
  now: Date;
  assurance: Assurance;
}

/**
 * Signs an access token and a refresh token for the session. Nothing is stored yet: the
 * caller stores `refreshToken` (the SHA-256, never the token itself) in its transaction.
 */
export async function signTokenPair(ctx: SessionContext, subject: PairSubject): Promise<SignedPair> {
  const refreshTokenId = ctx.newId();
  const refresh = await ctx.signer.signRefresh({ ...subject, jti: refreshTokenId });
  const access = await ctx.signer.signAccess({ ...subject, jti: ctx.newId() });
  return {
    pair: {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: "Bearer",
      expires_in: ctx.config.jwt.accessTtlSeconds,
    },
    refreshToken: {
      id: refreshTokenId,
      sessionId: subject.sessionId,
      userId: subject.userId,
      tokenHash: hashToken(refresh.token),
      now: subject.now,
      expiresAt: new Date(refresh.expiresAt * 1000),
    },
  };
}
