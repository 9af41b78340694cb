import { compiledOnce } from "../db/compiled-once.ts";
import type { Executor, RefreshTokenRow } from "../db/schema.ts";

export interface NewRefreshToken {
  id: string;
  sessionId: string;
  userId: string;
  tokenHash: string;
  now: Date;
  expiresAt: Date;
}

function refreshTokenRow(token: NewRefreshToken) {
  return {
    id: token.id,
    session_id: token.sessionId,
    user_id: token.userId,
    token_hash: token.tokenHash,
    created_at: token.now,
    expires_at: token.expiresAt,
  };
}

export async function insertRefreshToken(db: Executor, token: NewRefreshToken): Promise<void> {
  await db.insertInto("refresh_tokens").values(refreshTokenRow(token)).execute();
}

/** One refresh of a session: when, from where; the session lives as long as its new token. */
export interface SessionUse {
  now: Date;
  ip: string | null;
  userAgent: string | null;
  /** Successor pairs sealed on tokens consumed at or before this moment are erased (grace over) */
  sealedUntil: Date;
}

/**
 * Stores the successor token, records the refresh on its session and erases the session's
 * sealed pairs whose grace window is over, in one statement (data-modifying CTEs): one round
 * trip while the session row is locked.
 */
const insertSuccessorTouchSession = compiledOnce((
  db,
  id: string,
  sessionId: string,
  userId: string,
  tokenHash: string,
  now: Date,
  expiresAt: Date,
  ip: string | null,
  userAgent: string | null,
  sealedUntil: Date,
) =>
  db
    .with("successor", (cte) =>
      cte.insertInto("refresh_tokens").values({
        id,
        session_id: sessionId,
        user_id: userId,
        token_hash: tokenHash,
        created_at: now,
        expires_at: expiresAt,
      }))
    .with("grace_over", (cte) =>
      cte.deleteFrom("refresh_successors")
        .where("session_id", "=", sessionId)
        .where("consumed_at", "<=", sealedUntil))
    .updateTable("sessions")
    .set((eb) => ({
      last_used_at: now,
      expires_at: expiresAt,
      ip,
      user_agent: userAgent,
      use_count: eb("use_count", "+", 1),
    }))
    .where("id", "=", sessionId)
);

export async function storeSuccessor(db: Executor, successor: NewRefreshToken, use: SessionUse): Promise<void> {
  const { id, sessionId, userId, tokenHash, now, expiresAt } = successor;
  await insertSuccessorTouchSession(
    db,
    id,
    sessionId,
    userId,
    tokenHash,
    now,
    expiresAt,
    use.ip,
    use.userAgent,
    use.sealedUntil,
  );
}

/** The UPDATE that consumes a live token: it sets no column an index of refresh_tokens reads. */
function consumeLive(
  db: Executor,
  id: string,
  tokenHash: string,
  sessionId: string,
  userId: string,
  successorId: string,
  now: Date,
) {
  return db
    .updateTable("refresh_tokens")
    .set({ consumed_at: now, replaced_by: successorId })
    .where("id", "=", id)
    .where("token_hash", "=", tokenHash)
    .where("session_id", "=", sessionId)
    .where("user_id", "=", userId)
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now);
}

const consumeLiveToken = compiledOnce((
  db,
  id: string,
  tokenHash: string,
  sessionId: string,
  userId: string,
  successorId: string,
  now: Date,
) => consumeLive(db, id, tokenHash, sessionId, userId, successorId, now).returning("id"));

/** consumeLiveToken, and the successor pair kept for the grace window (with its client), in one statement. */
const consumeLiveTokenKeepingPair = compiledOnce((
  db,
  id: string,
  tokenHash: string,
  sessionId: string,
  userId: string,
  successorId: string,
  now: Date,
  successorSealed: string,
  client: string,
) =>
  db
    .with("consumed", () =>
      consumeLive(db, id, tokenHash, sessionId, userId, successorId, now).returning([
        "id",
        "session_id",
        "consumed_at",
      ]))
    .insertInto("refresh_successors")
    .columns(["token_id", "session_id", "sealed", "consumed_at", "client"])
    .expression((eb) =>
      eb.selectFrom("consumed").select((inner) => [
        "consumed.id",
        "consumed.session_id",
        inner.val(successorSealed).as("sealed"),
        "consumed.consumed_at",
        inner.val(client).as("client"),
      ])
    )
    .returning("token_id as id")
);

/** The successor pair kept for the reuse grace window, and the client it is kept for. */
export interface KeptSuccessor {
  sealed: string;
  /** Digest of the client that exchanged the token; null when a previous version kept the pair */
  client: string | null;
}

/**
 * Consumes a live refresh token of the given session and user, recording its successor (and,
 * for the reuse grace window, keeping the successor pair sealed in refresh_successors), in one
 * statement: of any number of concurrent callers with the same token exactly one gets true
 * (Postgres re-checks `consumed_at is null` after waiting on the row lock).
 */
export async function consumeRefreshToken(
  db: Executor,
  token: {
    id: string;
    tokenHash: string;
    sessionId: string;
    userId: string;
    successorId: string;
    /** The successor pair sealed for the grace window and who it is kept for; null without a window */
    kept: { sealed: string; client: string } | null;
    now: Date;
  },
): Promise<boolean> {
  const { id, tokenHash, sessionId, userId, successorId, kept, now } = token;
  const result = kept === null
    ? await consumeLiveToken(db, id, tokenHash, sessionId, userId, successorId, now)
    : await consumeLiveTokenKeepingPair(
      db,
      id,
      tokenHash,
      sessionId,
      userId,
      successorId,
      now,
      kept.sealed,
      kept.client,
    );
  return result.rows.length === 1;
}

/** The pair a consumed token was exchanged for, while refresh_successors keeps it. */
export function findKeptSuccessor(db: Executor, tokenId: string): Promise<KeptSuccessor | undefined> {
  return db.selectFrom("refresh_successors").select(["sealed", "client"]).where("token_id", "=", tokenId)
    .executeTakeFirst();
}

/** Marks a token handed out a second time, by a grace answer: its own exchange opens no grace window. */
export async function markSharedByGrace(db: Executor, tokenId: string): Promise<void> {
  await db.updateTable("refresh_tokens").set({ shared_by_grace: true }).where("id", "=", tokenId).execute();
}

export function findRefreshToken(db: Executor, id: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom("refresh_tokens").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * Consumes every live refresh token of the sessions so none can be exchanged again, and
 * erases their sealed successor pairs: an ended session has no grace.
 */
export async function consumeSessionRefreshTokens(db: Executor, sessionIds: string[], now: Date): Promise<void> {
  if (sessionIds.length === 0) return;
  await db
    .updateTable("refresh_tokens")
    .set({ consumed_at: now })
    .where("session_id", "in", sessionIds)
    .where("consumed_at", "is", null)
    .execute();
  await db.deleteFrom("refresh_successors").where("session_id", "in", sessionIds).execute();
  // Pairs a previous version kept on the token rows (see RefreshTokensTable.successor_sealed)
  await db
    .updateTable("refresh_tokens")
    .set({ successor_sealed: null })
    .where("session_id", "in", sessionIds)
    .where("successor_sealed", "is not", null)
    .execute();
}
