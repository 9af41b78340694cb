import {
  consumeRefreshToken,
  consumeSessionRefreshTokens,
  findRefreshToken,
  storeSuccessor,
} from "../../repositories/refresh-tokens.ts";
import { recordSecurityEvent } from "../../repositories/security-events.ts";
import { lockSession, lockUserSessionForRefresh, revokeSession } from "../../repositories/sessions.ts";
import type { SessionContext } from "./context.ts";
import { auditEvent } from "./lifecycle.ts";
import { hashToken, InvalidTokenError } from "./tokens.ts";
import { signTokenPair } from "./token-pairs.ts";
import type { RequestMeta } from "../request-meta.ts";
import { AppError } from "../../errors.ts";
import type { TokenPair } from "./token-pair.ts";
import type { TokenClaims } from "./token-claims.ts";

function invalidRefreshToken(cause?: unknown): AppError {
  return new AppError("invalid_token", "The refresh token is invalid, expired or revoked", { cause });
}

/**
 * Exchanges a refresh token for a new pair (RFC 9700 rotation). The presented token is
 * consumed by one conditional UPDATE, so of concurrent requests with the same token exactly
 * one rotates. Presenting a token that was already consumed while its session was live is
 * reuse: the whole session (every refresh token and access token of the family) is revoked.
 */
export async function refreshSession(ctx: SessionContext, refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
  const now = ctx.clock.now();
  let claims: TokenClaims;
  try {
    claims = await ctx.signer.verifyRefresh(refreshToken, now);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw invalidRefreshToken(error);
    throw error;
  }
  const tokenHash = hashToken(refreshToken);
  // Signed before the transaction, so the session row stays locked only for the statements
  const successor = await signTokenPair(ctx, {
    userId: claims.userId,
    sessionId: claims.sessionId,
    tokenVersion: claims.tokenVersion,
    now,
  });
  const rotated = await ctx.db.transaction().execute(async (trx) => {
    // The session lock comes first, as in logout, so the two never deadlock
    const session = await lockUserSessionForRefresh(trx, claims.userId, claims.sessionId);
    if (!session || session.revoked_at || session.expires_at <= now) return false;
    if (session.token_version !== claims.tokenVersion) return false;
    // The absolute lifetime counts from sign-in: no refresh moves it
    const endsAt = sessionEnd(ctx, session.created_at);
    if (endsAt <= now) return false;
    const consumed = await consumeRefreshToken(trx, {
      id: claims.jti,
      tokenHash,
      sessionId: claims.sessionId,
      userId: claims.userId,
      successorId: successor.refreshToken.id,
      now,
    });
    if (!consumed) return false;
    const expiresAt = earliest(successor.refreshToken.expiresAt, endsAt);
    await storeSuccessor(trx, { ...successor.refreshToken, expiresAt }, {
      now,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return true;
  });
  if (rotated) return successor.pair;
  await revokeFamilyOnReuse(ctx, claims, meta);
  throw invalidRefreshToken();
}

/** When a session started at `createdAt` ends whatever its refreshes: SESSION_MAX_LIFETIME_SECONDS later. */
function sessionEnd(ctx: Pick<SessionContext, "config">, createdAt: Date): Date {
  return new Date(createdAt.getTime() + ctx.config.sessionMaxLifetimeSeconds * 1000);
}

function earliest(a: Date, b: Date): Date {
  return a <= b ? a : b;
}

/**
 * When the token was consumed before and its session is still live, someone holds a copy
 * of a rotated token: end the session and record it. A token consumed because its session
 * was ended (logout, logout-all, password reset) is simply refused.
 */
async function revokeFamilyOnReuse(ctx: SessionContext, claims: TokenClaims, meta: RequestMeta): Promise<void> {
  const now = ctx.clock.now();
  const revoked = await ctx.db.transaction().execute(async (trx) => {
    await lockSession(trx, claims.sessionId);
    const row = await findRefreshToken(trx, claims.jti);
    if (!row?.consumed_at || row.session_id !== claims.sessionId || row.user_id !== claims.userId) return false;
    if (!await revokeSession(trx, claims.userId, claims.sessionId, { now, reason: "refresh_token_reused" })) {
      return false;
    }
    await consumeSessionRefreshTokens(trx, [claims.sessionId], now);
    await recordSecurityEvent(trx, auditEvent(claims.userId, "refresh_token_reused", meta, now));
    return true;
  });
  if (!revoked) return;
  ctx.logger.warn("refresh token reused, session revoked", {
    user_id: claims.userId,
    session_id: claims.sessionId,
    request_id: meta.requestId,
  });
  await ctx.revocations.publish({ sessionIds: [claims.sessionId] });
}
