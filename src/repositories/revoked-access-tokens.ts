import { type Kysely, sql, type Transaction } from "kysely";
import type { DB } from "../db/schema.ts";

type Executor = Kysely<DB> | Transaction<DB>;

/** Denylists an access token by its jti until it expires (idempotent). */
export async function denyAccessToken(
  db: Executor,
  entry: { jti: string; userId: string; expiresAt: Date; now: Date },
): Promise<void> {
  await db
    .insertInto("revoked_access_tokens")
    .values({ jti: entry.jti, user_id: entry.userId, expires_at: entry.expiresAt, created_at: entry.now })
    .onConflict((oc) => oc.column("jti").doNothing())
    .execute();
}

/** Everything Postgres knows about whether an access token may still be used. */
export interface TokenStanding {
  /** users.token_version, or null when the user no longer exists */
  tokenVersion: number | null;
  /** The session exists for this user and is neither revoked nor expired */
  sessionActive: boolean;
  /** The jti is on the denylist */
  jtiDenied: boolean;
}

/** Reads the user's version, the session's state and the denylist in one round trip. */
export async function readTokenStanding(
  db: Executor,
  token: { userId: string; sessionId: string; jti: string; now: Date },
): Promise<TokenStanding> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom("users").select("token_version").where("id", "=", token.userId).as("token_version"),
      eb.exists(
        eb.selectFrom("sessions")
          .select(sql.lit(1).as("one"))
          .where("id", "=", token.sessionId)
          .where("user_id", "=", token.userId)
          .where("revoked_at", "is", null)
          .where("expires_at", ">", token.now),
      ).as("session_active"),
      eb.exists(
        eb.selectFrom("revoked_access_tokens").select(sql.lit(1).as("one")).where("jti", "=", token.jti),
      ).as("jti_denied"),
    ])
    .executeTakeFirstOrThrow();
  return {
    tokenVersion: row.token_version === null ? null : Number(row.token_version),
    sessionActive: Boolean(row.session_active),
    jtiDenied: Boolean(row.jti_denied),
  };
}
