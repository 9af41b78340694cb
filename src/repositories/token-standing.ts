import { sql } from "kysely";
import { compiledOnce } from "../db/compiled-once.ts";
import type { Executor, SigningKeyState } from "../db/schema.ts";
import { USER_PROFILE_COLUMNS, type UserProfile } from "./users.ts";

/** What an access token names; each must still hold for the token to be usable. */
export interface TokenSubject {
  userId: string;
  sessionId: string;
  jti: string;
  /** The signing key (`kid`) */
  keyId: string;
  now: Date;
}

/** Everything Postgres knows about whether an access token may still be used. */
export interface TokenStanding {
  /** users.token_version, or null when the user no longer exists */
  tokenVersion: number | null;
  /** The session exists for this user and is neither revoked nor expired */
  sessionActive: boolean;
  /** The jti is on the denylist */
  jtiDenied: boolean;
  /** The key that signed it was retired or revoked: it vouches for no token any more */
  keyWithdrawn: boolean;
}

/**
 * Key states whose tokens are refused. A retired key no longer verifies a token it is asked
 * about, but an instance that verified one before remembers it (sessions/verified-tokens.ts):
 * this check, made on every request, is what refuses it then.
 */
const WITHDRAWN: SigningKeyState[] = ["retired", "revoked"];

const selectTokenStanding = compiledOnce((
  db,
  userId: string,
  sessionId: string,
  jti: string,
  keyId: string,
  now: Date,
) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom("users").select("token_version").where("id", "=", userId).as("token_version"),
    eb.exists(
      eb.selectFrom("sessions")
        .select(sql.lit(1).as("one"))
        .where("id", "=", sessionId)
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now),
    ).as("session_active"),
    eb.exists(
      eb.selectFrom("revoked_access_tokens").select(sql.lit(1).as("one")).where("jti", "=", jti),
    ).as("jti_denied"),
    eb.exists(
      eb.selectFrom("signing_keys").select(sql.lit(1).as("one")).where("kid", "=", keyId).where(
        "state",
        "in",
        WITHDRAWN,
      ),
    ).as("key_withdrawn"),
  ])
);

/** Reads the user's version, the session's state, the denylist and the key's state in one round trip. */
export async function readTokenStanding(db: Executor, token: TokenSubject): Promise<TokenStanding> {
  const { rows } = await selectTokenStanding(db, token.userId, token.sessionId, token.jti, token.keyId, token.now);
  const row = rows[0];
  return {
    tokenVersion: row.token_version === null ? null : Number(row.token_version),
    sessionActive: Boolean(row.session_active),
    jtiDenied: Boolean(row.jti_denied),
    keyWithdrawn: Boolean(row.key_withdrawn),
  };
}

const selectProfileOfUsableToken = compiledOnce((
  db,
  userId: string,
  tokenVersion: number,
  sessionId: string,
  jti: string,
  keyId: string,
  now: Date,
) =>
  db.selectFrom("users")
    .select(USER_PROFILE_COLUMNS)
    .where("id", "=", userId)
    .where("token_version", "=", tokenVersion)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("sessions")
          .select(sql.lit(1).as("one"))
          .where("id", "=", sessionId)
          .where("user_id", "=", userId)
          .where("revoked_at", "is", null)
          .where("expires_at", ">", now),
      )
    )
    .where(({ exists, not, selectFrom }) =>
      not(exists(selectFrom("revoked_access_tokens").select(sql.lit(1).as("one")).where("jti", "=", jti)))
    )
    .where(({ exists, not, selectFrom }) =>
      not(exists(
        selectFrom("signing_keys").select(sql.lit(1).as("one")).where("kid", "=", keyId).where(
          "state",
          "in",
          WITHDRAWN,
        ),
      ))
    )
);

/**
 * The token check and the read of its user as one statement: the profile when the user
 * still has the token's version, its session is live, its jti is not denylisted and its key neither
 * retired nor revoked;
 * undefined otherwise (revoked, expired session, deleted user).
 */
export async function findProfileOfUsableToken(
  db: Executor,
  token: TokenSubject & { tokenVersion: number },
): Promise<UserProfile | undefined> {
  const { rows } = await selectProfileOfUsableToken(
    db,
    token.userId,
    token.tokenVersion,
    token.sessionId,
    token.jti,
    token.keyId,
    token.now,
  );
  return rows[0];
}
