import {
  consumeRefreshToken,
  consumeSessionRefreshTokens,
  findRefreshToken,
  storeSuccessor,
} from "../../repositories/refresh-tokens.ts";
import { lockSession, lockUserSessionForRefresh, revokeSession } from "../../repositories/sessions.ts";
import type { SessionContext } from "./context.ts";
import { auditEvent } from "./lifecycle.ts";
import { hashToken, InvalidTokenError } from "./tokens.ts";
import { signTokenPair } from "./token-pairs.ts";
import type { RequestMeta, TokenClaims, TokenPair } from "../identity.ts";
import { withEvents } from "../audit-trail.ts";
import { AppError } from "../../errors.ts";
import { sealSuccessor } from "./successor-seal.ts";
import { isDisabled } from "../../repositories/admin-users.ts";
import { refreshClient } from "./refresh-client.ts";
import { pairWithinGrace } from "./refresh-grace.ts";

/** The refresh transaction's answer for an account an administrator disabled */
const ACCOUNT_DISABLED = Symbol("account disabled");

function invalidRefreshToken(cause?: unknown): AppError {
  return new AppError("invalid_token", "The refresh token is invalid, expired or revoked", { cause });
}

/**
 * Exchanges a refresh token for a new pair (RFC 9700 rotation). The presented token is
 * consumed by one conditional UPDATE, so of concurrent requests with the same token exactly
 * one rotates. Within REFRESH_REUSE_GRACE_SECONDS of that, the same token presented again for
 * its live session by the same client gets the same pair (two tabs refreshing at once; see
 * refresh-grace.ts for when it does not); otherwise, presenting a consumed token while its
 * session is live is reuse: the whole session (every refresh token and access token of the
 * family) is revoked.
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
  const graceMs = ctx.config.jwt.refreshReuseGraceSeconds * 1000;
  // Signed (and sealed) before the transaction, so the session row stays locked only for the statements
  const successor = await signTokenPair(ctx, {
    userId: claims.userId,
    sessionId: claims.sessionId,
    tokenVersion: claims.tokenVersion,
    // A refresh proves nothing new: the successor says how and when the sign-in was proven
    assurance: claims.assurance,
    now,
  });
  const client = refreshClient(meta);
  const kept = graceMs > 0 ? { sealed: sealSuccessor(refreshToken, successor.pair), client } : null;
  const pair = await withEvents(ctx, async (trx, record) => {
    // The session lock comes first, as in logout, so the two never deadlock
    const session = await lockUserSessionForRefresh(trx, claims.userId, claims.sessionId);
    if (!session) return undefined;
    // Only a holder of a refresh token this service signed for the account learns it is disabled
    if (isDisabled(session, now)) return ACCOUNT_DISABLED;
    if (session.revoked_at || session.expires_at <= now) return undefined;
    if (session.token_version !== claims.tokenVersion) return undefined;
    // The absolute lifetime counts from sign-in: no refresh moves it
    const endsAt = sessionEnd(ctx, session.created_at);
    if (endsAt <= now) return undefined;
    const consumed = await consumeRefreshToken(trx, {
      id: claims.jti,
      tokenHash,
      sessionId: claims.sessionId,
      userId: claims.userId,
      successorId: successor.refreshToken.id,
      kept,
      now,
    });
    if (!consumed) {
      if (graceMs <= 0) return undefined;
      return await pairWithinGrace(trx, record, { claims, refreshToken, tokenHash, meta, client, now }, graceMs);
    }
    const sealedUntil = new Date(now.getTime() - graceMs);
    const expiresAt = earliest(successor.refreshToken.expiresAt, endsAt);
    await storeSuccessor(trx, { ...successor.refreshToken, expiresAt }, {
      now,
      ip: meta.ip,
      userAgent: meta.userAgent,
      sealedUntil,
    });
    return successor.pair;
  });
  if (pair === ACCOUNT_DISABLED) {
    throw new AppError("account_disabled", "This account is disabled; contact support");
  }
  if (pair) return pair;
  await revokeFamilyOnReuse(ctx, claims, meta);
  throw invalidRefreshToken();
}

/** When a session started at `createdAt` ends whatever its refreshes: SESSION_MAX_LIFETIME_SECONDS later. */
export function sessionEnd(ctx: Pick<SessionContext, "config">, createdAt: Date): Date {
  return new Date(createdAt.getTime() + ctx.config.sessionMaxLifetimeSeconds * 1000);
}

export function earliest(a: Date, b: Date): Date {
  return a <= b ? a : b;
}

/**
 * When the token was consumed before and its session is still live, someone holds a copy
 * of a rotated token: end the session and record it. A token consumed because its session
 * was ended (logout, logout-all, password reset) is simply refused.
 */
async function revokeFamilyOnReuse(ctx: SessionContext, claims: TokenClaims, meta: RequestMeta): Promise<void> {
  const now = ctx.clock.now();
  const revoked = await withEvents(ctx, async (trx, record) => {
    const session = await lockSession(trx, claims.sessionId);
    const row = await findRefreshToken(trx, claims.jti);
    if (!row?.consumed_at || row.session_id !== claims.sessionId || row.user_id !== claims.userId) return false;
    if (!await revokeSession(trx, claims.userId, claims.sessionId, { now, reason: "refresh_token_reused" })) {
      return false;
    }
    await consumeSessionRefreshTokens(trx, [claims.sessionId], now);
    // The owner's mail names the device of the session that was ended, not the replayer's
    const aboutUserAgent = session?.userAgent ?? null;
    await record({ ...auditEvent(claims.userId, "refresh_token_reused", meta, now), aboutUserAgent });
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
