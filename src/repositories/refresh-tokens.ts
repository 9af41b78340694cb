import type { Kysely, Transaction } from "kysely";
import type { DB, RefreshTokenRow } from "../db/schema.ts";

type Executor = Kysely<DB> | Transaction<DB>;

export interface NewRefreshToken {
  id: string;
  sessionId: string;
  userId: string;
  tokenHash: string;
  now: Date;
  expiresAt: Date;
}

export async function insertRefreshToken(db: Executor, token: NewRefreshToken): Promise<void> {
  await db
    .insertInto("refresh_tokens")
    .values({
      id: token.id,
      session_id: token.sessionId,
      user_id: token.userId,
      token_hash: token.tokenHash,
      created_at: token.now,
      expires_at: token.expiresAt,
    })
    .execute();
}

/**
 * Consumes a live refresh token in one conditional UPDATE: of any number of concurrent
 * callers with the same token exactly one gets the row back (Postgres re-checks
 * `consumed_at is null` after waiting on the row lock), the others get undefined.
 */
export function consumeRefreshToken(
  db: Executor,
  token: { id: string; tokenHash: string; now: Date },
): Promise<RefreshTokenRow | undefined> {
  return db
    .updateTable("refresh_tokens")
    .set({ consumed_at: token.now })
    .where("id", "=", token.id)
    .where("token_hash", "=", token.tokenHash)
    .where("consumed_at", "is", null)
    .where("expires_at", ">", token.now)
    .returningAll()
    .executeTakeFirst();
}

export function findRefreshToken(db: Executor, id: string): Promise<RefreshTokenRow | undefined> {
  return db.selectFrom("refresh_tokens").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Links a consumed token to the token that replaced it (the family's chain). */
export async function setReplacedBy(db: Executor, id: string, successorId: string): Promise<void> {
  await db.updateTable("refresh_tokens").set({ replaced_by: successorId }).where("id", "=", id).execute();
}

/** Consumes every live refresh token of the sessions so none can be exchanged again. */
export async function consumeSessionRefreshTokens(db: Executor, sessionIds: string[], now: Date): Promise<void> {
  if (sessionIds.length === 0) return;
  await db
    .updateTable("refresh_tokens")
    .set({ consumed_at: now })
    .where("session_id", "in", sessionIds)
    .where("consumed_at", "is", null)
    .execute();
}
