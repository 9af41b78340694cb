import type { Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import type { RequestMeta } from "../http/client-ip.ts";

/** OAuth-style token pair, the shape of TokenPairSchema. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** What account flows need from sessions: start one at sign-in, end them all at password reset. */
export interface SessionService {
  /** Creates a session (token family) for the user and returns its first token pair. */
  startSession(user: { id: string; token_version: number }, meta: RequestMeta): Promise<TokenPair>;
  /**
   * Bumps users.token_version and revokes every session/refresh token of the user in `trx`.
   * Returns the announcement to the other instances, to make once `trx` has committed.
   */
  revokeAllSessions(userId: string, reason: string, trx: Transaction<DB>): Promise<() => Promise<void>>;
}
