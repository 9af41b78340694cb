import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config.ts";
import type { DB } from "../../db/schema.ts";
import { newRowId } from "../../ids.ts";
import type { Logger } from "../../logger.ts";
import { NOOP_OBSERVER, type Observer } from "../../observer.ts";
import type { CurrentUser } from "../current-user.ts";
import type { Assurance, AuthContext, RequestMeta, TokenPair } from "../identity.ts";
import type { Revocations } from "../revocation/revocations.ts";
import {
  type AccessTokenIntrospection,
  authenticateAccessToken,
  authenticateWithUser,
  introspectAccessToken,
} from "./authenticate.ts";
import type { SessionContext } from "./context.ts";
import {
  listSessions,
  logout,
  logoutAll,
  nameSession,
  revokeAllSessions,
  revokeOtherSessions,
  revokeSessionById,
  type SessionPage,
  type SessionView,
  type SigninClient,
  startSession,
} from "./lifecycle.ts";
import { refreshSession } from "./refresh.ts";
import { reauthenticateSession } from "./reauthentication.ts";
import { prepareRenewal, type SessionRenewal } from "./renewal.ts";
import { listOwnSecurityEvents, type SecurityEventPage } from "./security-events.ts";
import { createTokenSigner, type TokenKeys } from "./tokens.ts";

/** Tokens and sessions: what the session routes, the bearer check and the account flows call. */
export interface SessionService {
  /** Creates a session (token family) for the user and returns its first token pair */
  startSession(
    user: { id: string; token_version: number },
    meta: RequestMeta,
    proof?: Pick<Assurance, "amr" | "aal">,
    client?: SigninClient,
  ): Promise<TokenPair>;
  /**
   * Bumps users.token_version and revokes every session/refresh token of the user in `trx`.
   * Returns the announcement to the other instances, to make once `trx` has committed.
   */
  revokeAllSessions(userId: string, reason: string, trx: Transaction<DB>): Promise<() => Promise<void>>;
  /**
   * A new pair for the session of `auth` under the next token version; applied in the caller's
   * transaction it ends every other session and token of the user (change of password)
   */
  prepareRenewal(auth: AuthContext, currentVersion: number, meta: RequestMeta): Promise<SessionRenewal>;
  /** A new pair for the session of `auth` proven again now (POST /auth/reauthenticate) */
  reauthenticate(auth: AuthContext, proof: Pick<Assurance, "amr" | "aal">, meta: RequestMeta): Promise<TokenPair>;
  /** Verifies an access token and checks it was not revoked */
  authenticate(token: string): Promise<AuthContext>;
  /** `authenticate` and the token's user, in one statement where revocation lives in Postgres */
  authenticateWithUser(token: string): Promise<{ auth: AuthContext; user: CurrentUser }>;
  /** RFC 7662: the token's claims while `authenticate` would accept it, `active: false` otherwise */
  introspect(token: string): Promise<AccessTokenIntrospection>;
  refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair>;
  logout(auth: AuthContext, meta: RequestMeta): Promise<void>;
  logoutAll(auth: AuthContext, meta: RequestMeta): Promise<void>;
  listSessions(auth: AuthContext, page: { limit: number; cursor?: string }): Promise<SessionPage>;
  revokeSession(auth: AuthContext, sessionId: string, meta: RequestMeta): Promise<void>;
  /** Names one of the caller's live sessions; not_found for any other id */
  nameSession(auth: AuthContext, sessionId: string, name: string): Promise<SessionView & { current: boolean }>;
  /** Ends every session of the caller but its own; returns how many ended */
  revokeOtherSessions(auth: AuthContext, meta: RequestMeta): Promise<number>;
  securityEvents(auth: AuthContext, page: { limit: number; cursor?: string }): Promise<SecurityEventPage>;
}

export interface SessionServiceOptions {
  config: Config;
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  revocations: Revocations;
  /** Access-token keys (HMAC secrets and the key table); the configured secrets alone by default */
  accessKeys?: TokenKeys;
  newId?: () => string;
  /** Counts the security events recorded (metrics); none by default */
  observer?: Observer;
}

/** Builds the session service of one instance. */
export function createSessionService(options: SessionServiceOptions): SessionService {
  const ctx: SessionContext = {
    db: options.db,
    config: options.config,
    clock: options.clock,
    logger: options.logger,
    signer: createTokenSigner(options.config.jwt, { accessKeys: options.accessKeys }),
    revocations: options.revocations,
    observer: options.observer ?? NOOP_OBSERVER,
    newId: options.newId ?? newRowId,
  };
  return {
    startSession: (user, meta, proof, client) => startSession(ctx, user, meta, proof, client),
    revokeAllSessions: (userId, reason, trx) => revokeAllSessions(ctx, userId, reason, trx),
    prepareRenewal: (auth, version, meta) => prepareRenewal(ctx, auth, version, meta),
    reauthenticate: (auth, proof, meta) => reauthenticateSession(ctx, auth, proof, meta),
    authenticate: (token) => authenticateAccessToken(ctx, token),
    authenticateWithUser: (token) => authenticateWithUser(ctx, token),
    introspect: (token) => introspectAccessToken(ctx, token),
    refresh: (token, meta) => refreshSession(ctx, token, meta),
    logout: (auth, meta) => logout(ctx, auth, meta),
    logoutAll: (auth, meta) => logoutAll(ctx, auth, meta),
    listSessions: (auth, page) => listSessions(ctx, auth, page),
    revokeSession: (auth, id, meta) => revokeSessionById(ctx, auth, id, meta),
    nameSession: (auth, id, name) => nameSession(ctx, auth, id, name),
    revokeOtherSessions: (auth, meta) => revokeOtherSessions(ctx, auth, meta),
    securityEvents: (auth, page) => listOwnSecurityEvents(ctx, auth, page),
  };
}
