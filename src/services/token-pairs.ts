import type { Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import { insertRefreshToken } from "../repositories/refresh-tokens.ts";
import type { SessionContext } from "./session-context.ts";
import type { TokenPair } from "./session-service.ts";
import { hashToken } from "./tokens.ts";

export interface IssuedPair {
  pair: TokenPair;
  refreshTokenId: string;
  /** When the refresh token (and so the session, unless refreshed) expires */
  refreshExpiresAt: Date;
}

/**
 * Signs an access token and a refresh token for the session and stores the refresh token's
 * SHA-256 (never the token itself) as the session's one live refresh token.
 */
export async function issueTokenPair(
  ctx: SessionContext,
  trx: Transaction<DB>,
  subject: { userId: string; sessionId: string; tokenVersion: number; now: Date },
): Promise<IssuedPair> {
  const refreshTokenId = ctx.newId();
  const refresh = await ctx.signer.signRefresh({ ...subject, jti: refreshTokenId });
  const access = await ctx.signer.signAccess({ ...subject, jti: ctx.newId() });
  const refreshExpiresAt = new Date(refresh.expiresAt * 1000);
  await insertRefreshToken(trx, {
    id: refreshTokenId,
    sessionId: subject.sessionId,
    userId: subject.userId,
    tokenHash: await hashToken(refresh.token),
    now: subject.now,
    expiresAt: refreshExpiresAt,
  });
  return {
    pair: {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: "Bearer",
      expires_in: ctx.config.jwt.accessTtlSeconds,
    },
    refreshTokenId,
    refreshExpiresAt,
  };
}
