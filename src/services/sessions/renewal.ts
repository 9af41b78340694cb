import type { Transaction } from "kysely";
import type { DB } from "../../db/schema.ts";
import { invalidTokenError } from "../../errors.ts";
import {
  consumeSessionRefreshTokens,
  type NewRefreshToken,
  storeSuccessor,
} from "../../repositories/refresh-tokens.ts";
import { lockUserSessionForRefresh, revokeUserSessions } from "../../repositories/sessions.ts";
import { bumpTokenVersion } from "../../repositories/users.ts";
import type { AuthContext, RequestMeta, TokenPair } from "../identity.ts";
import type { SessionContext } from "./context.ts";
import { earliest, sessionEnd } from "./refresh.ts";
import { signTokenPair } from "./token-pairs.ts";

/** A new pair for the caller's session, signed ahead; `apply` makes it the only live session of the user. */
export interface SessionRenewal {
  pair: TokenPair;
  /**
   * In the caller's transaction: bumps the user's token version (every access token issued so
   * far dies), revokes every other session, spends this session's refresh tokens and stores the
   * new one. Returns the announcement to make once the transaction has committed. Throws 401
   * `invalid_token` when the session ended, or the version moved, since the request began.
   */
  apply(trx: Transaction<DB>, reason: string): Promise<() => Promise<void>>;
}

/**
 * Signs the pair before any transaction (signing may read the key table; nothing should wait on
 * that while a transaction holds a connection), under the version the user will have after one
 * bump from `currentVersion`.
 */
export async function prepareRenewal(
  ctx: SessionContext,
  auth: AuthContext,
  currentVersion: number,
  meta: RequestMeta,
): Promise<SessionRenewal> {
  const now = ctx.clock.now();
  const { userId, sessionId } = auth;
  const signed = await signTokenPair(ctx, {
    userId,
    sessionId,
    tokenVersion: currentVersion + 1,
    now,
    assurance: auth.assurance,
  });
  return {
    pair: signed.pair,
    async apply(trx, reason) {
      // The session lock first, as in refresh and logout
      const session = await lockUserSessionForRefresh(trx, userId, sessionId);
      if (!session || session.revoked_at || session.expires_at <= now) throw invalidTokenError();
      const tokenVersion = await bumpTokenVersion(trx, userId, now);
      if (tokenVersion !== currentVersion + 1) throw invalidTokenError();
      const others = await revokeUserSessions(trx, userId, { now, reason }, sessionId);
      await consumeSessionRefreshTokens(trx, [...others, sessionId], now);
      await storeSessionRefreshToken(ctx, trx, signed.refreshToken, session.created_at, meta);
      return () => ctx.revocations.publish({ userVersion: { userId, tokenVersion } });
    },
  };
}

/**
 * Stores the session's new refresh token in `trx`, living no longer than the session may; no
 * grace copy is kept (the pair went to a request that proved something, not to a refresh).
 */
export async function storeSessionRefreshToken(
  ctx: SessionContext,
  trx: Transaction<DB>,
  refreshToken: NewRefreshToken,
  sessionCreatedAt: Date,
  meta: RequestMeta,
): Promise<void> {
  const now = refreshToken.now;
  const expiresAt = earliest(refreshToken.expiresAt, sessionEnd(ctx, sessionCreatedAt));
  await storeSuccessor(trx, { ...refreshToken, expiresAt }, {
    now,
    ip: meta.ip,
    userAgent: meta.userAgent,
    sealedUntil: now,
  });
}
