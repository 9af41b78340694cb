import type { Transaction } from "kysely";
import type { DB } from "../../db/schema.ts";
import { consumeSessionRefreshTokens, insertRefreshToken } from "../../repositories/refresh-tokens.ts";
import { denyAccessToken } from "../../repositories/revoked-access-tokens.ts";
import {
  findListedSession,
  insertSession,
  listActiveSessions,
  renameSession,
  revokeSession,
  revokeUserSessions,
} from "../../repositories/sessions.ts";
import { bumpTokenVersion } from "../../repositories/users.ts";
import type { Revocation } from "../revocation/revocations.ts";
import type { SessionContext } from "./context.ts";
import { signTokenPair } from "./token-pairs.ts";
import type { Assurance, AuthContext, RequestMeta, TokenPair } from "../identity.ts";
import { withEvents } from "../audit-trail.ts";
import { AppError } from "../../errors.ts";
import type { SecurityEventType } from "../../security-event-types.ts";
import { decodeCursor, encodeCursor } from "../keyset-cursor.ts";
import { displayText, parseDevice } from "../device.ts";
import { type SessionView, sessionView } from "./session-view.ts";

export type { SessionView };

/** The longest session name, in characters. */
export const SESSION_NAME_MAX = 50;

/** One page of GET /auth/sessions: `next_cursor` is null on the last page. */
export interface SessionPage {
  /** `current` marks the session of the access token making the request */
  sessions: Array<SessionView & { current: boolean }>;
  next_cursor: string | null;
}

/** A security event of the user, stamped with who made the request. */
export function auditEvent(userId: string, type: SecurityEventType, meta: RequestMeta, at: Date) {
  return { userId, type, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId, at };
}

/** A sign-in with the password alone. */
export const PASSWORD_PROOF: Pick<Assurance, "amr" | "aal"> = { amr: ["pwd"], aal: 1 };

/** What a sign-in knows of the client beyond the request: whether it sent a valid device token. */
export interface SigninClient {
  knownDevice: boolean;
}

/**
 * Creates a session (token family) and its first token pair. The pair is signed before the
 * transaction, as a refresh's is: signing may read the key table, and nothing waits on
 * another statement while a transaction holds a connection. The User-Agent is parsed into a
 * device here, once, so listing sessions never parses.
 */
export async function startSession(
  ctx: SessionContext,
  user: { id: string; token_version: number },
  meta: RequestMeta,
  proof: Pick<Assurance, "amr" | "aal"> = PASSWORD_PROOF,
  client: SigninClient = { knownDevice: false },
): Promise<TokenPair> {
  const now = ctx.clock.now();
  const sessionId = ctx.newId();
  const assurance = { ...proof, authTime: Math.floor(now.getTime() / 1000) };
  const signed = await signTokenPair(ctx, {
    userId: user.id,
    sessionId,
    tokenVersion: user.token_version,
    now,
    assurance,
  });
  await ctx.db.transaction().execute(async (trx) => {
    await insertSession(trx, {
      id: sessionId,
      userId: user.id,
      ip: meta.ip,
      userAgent: meta.userAgent,
      now,
      amr: proof.amr,
      aal: proof.aal,
      authTime: new Date(assurance.authTime * 1000),
      device: parseDevice(meta.userAgent),
      knownDevice: client.knownDevice,
      expiresAt: new Date(
        now.getTime() + Math.min(ctx.config.jwt.refreshTtlSeconds, ctx.config.sessionMaxLifetimeSeconds) * 1000,
      ),
    });
    await insertRefreshToken(trx, signed.refreshToken);
  });
  return signed.pair;
}

/**
 * Bumps the user's token version and revokes every session and refresh token. What is
 * published is the new version alone: it kills every token of the user on its own, and it
 * stays one small message however many sessions the user had.
 */
async function revokeEverything(trx: Transaction<DB>, userId: string, reason: string, now: Date) {
  const tokenVersion = await bumpTokenVersion(trx, userId, now);
  const sessionIds = await revokeUserSessions(trx, userId, { now, reason });
  await consumeSessionRefreshTokens(trx, sessionIds, now);
  return { userVersion: { userId, tokenVersion } } satisfies Revocation;
}

/**
 * Revokes every session of the user inside the caller's transaction and returns what to
 * publish once it has committed: published earlier, an instance refilling its cache from
 * the uncommitted state would keep the old version as valid.
 */
export async function revokeAllSessions(
  ctx: SessionContext,
  userId: string,
  reason: string,
  trx: Transaction<DB>,
): Promise<() => Promise<void>> {
  const revocation = await revokeEverything(trx, userId, reason, ctx.clock.now());
  return () => ctx.revocations.publish(revocation);
}

/** Ends the current session and denylists the presented access token until it expires. */
export async function logout(ctx: SessionContext, auth: AuthContext, meta: RequestMeta): Promise<void> {
  const now = ctx.clock.now();
  await withEvents(ctx, async (trx, record) => {
    await revokeSession(trx, auth.userId, auth.sessionId, { now, reason: "logout" });
    await consumeSessionRefreshTokens(trx, [auth.sessionId], now);
    await denyAccessToken(trx, {
      jti: auth.jti,
      userId: auth.userId,
      expiresAt: new Date(auth.expiresAt * 1000),
      now,
    });
    await record(auditEvent(auth.userId, "logout", meta, now));
  });
  await ctx.revocations.publish({
    jtis: [{ jti: auth.jti, expiresAt: auth.expiresAt }],
    sessionIds: [auth.sessionId],
  });
}

/** Ends every session of the user: every access and refresh token dies on its next use. */
export async function logoutAll(ctx: SessionContext, auth: AuthContext, meta: RequestMeta): Promise<void> {
  const now = ctx.clock.now();
  const revocation = await withEvents(ctx, async (trx, record) => {
    const revoked = await revokeEverything(trx, auth.userId, "logout_all", now);
    await record(auditEvent(auth.userId, "logout_all", meta, now));
    return revoked;
  });
  await ctx.revocations.publish(revocation);
}

/** One page of the user's sessions that can still refresh, newest first, flagging the one making the request. */
export async function listSessions(
  ctx: SessionContext,
  auth: AuthContext,
  page: { limit: number; cursor?: string },
): Promise<SessionPage> {
  const before = page.cursor ? await decodeCursor(ctx.config, auth.userId, page.cursor, "sessions") : undefined;
  const rows = await listActiveSessions(ctx.db, auth.userId, ctx.clock.now(), { limit: page.limit + 1, before });
  const visible = rows.slice(0, page.limit);
  const last = visible.at(-1);
  return {
    sessions: visible.map((row) => ({ ...sessionView(row), current: row.id === auth.sessionId })),
    next_cursor: rows.length > page.limit && last
      ? await encodeCursor(
        ctx.config,
        auth.userId,
        { createdAt: new Date(last.created_at_iso), id: last.id },
        "sessions",
      )
      : null,
  };
}

/** Revokes one of the user's sessions; another user's, an unknown or an ended one is not_found. */
export async function revokeSessionById(
  ctx: SessionContext,
  auth: AuthContext,
  sessionId: string,
  meta: RequestMeta,
): Promise<void> {
  const now = ctx.clock.now();
  const revoked = await withEvents(ctx, async (trx, record) => {
    if (!await revokeSession(trx, auth.userId, sessionId, { now, reason: "revoked_by_user" })) return false;
    await consumeSessionRefreshTokens(trx, [sessionId], now);
    await record(auditEvent(auth.userId, "session_revoked", meta, now));
    return true;
  });
  if (!revoked) throw new AppError("not_found", "No active session with this id");
  await ctx.revocations.publish({ sessionIds: [sessionId] });
}

/**
 * Names one of the user's live sessions. The name is stored as it will be shown (control, format
 * and bidi characters gone, whitespace collapsed): it reaches settings pages and mails. Another
 * user's, an unknown or an ended session is not_found, as for revocation.
 */
export async function nameSession(
  ctx: SessionContext,
  auth: AuthContext,
  sessionId: string,
  name: string,
): Promise<SessionView & { current: boolean }> {
  const now = ctx.clock.now();
  const shown = displayText(name, SESSION_NAME_MAX);
  if (!await renameSession(ctx.db, auth.userId, sessionId, { name: shown, now })) {
    throw new AppError("not_found", "No active session with this id");
  }
  const row = await findListedSession(ctx.db, auth.userId, sessionId, now);
  if (!row) throw new AppError("not_found", "No active session with this id");
  return { ...sessionView(row), current: row.id === auth.sessionId };
}

/**
 * Ends every session of the user but the caller's, as DELETE /auth/sessions/{id} ends one: each
 * revoked, its refresh tokens spent and a `session_revoked` event recorded for it, in one
 * transaction; the ended sessions are announced to every instance before the answer. The
 * caller's session and its tokens stay valid (no token version bump). Returns how many ended.
 */
export async function revokeOtherSessions(ctx: SessionContext, auth: AuthContext, meta: RequestMeta): Promise<number> {
  const now = ctx.clock.now();
  const ended = await withEvents(ctx, async (trx, record) => {
    const ids = await revokeUserSessions(trx, auth.userId, { now, reason: "revoked_by_user" }, auth.sessionId);
    await consumeSessionRefreshTokens(trx, ids, now);
    for (const _ of ids) await record(auditEvent(auth.userId, "session_revoked", meta, now));
    return ids;
  });
  if (ended.length > 0) await ctx.revocations.publish({ sessionIds: ended });
  return ended.length;
}
