import { createNotifiedRevocationCache } from "./notified-revocation-cache.ts";
import type { Transaction } from "kysely";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { DB } from "../db/schema.ts";
import type { Database } from "../db/database.ts";
import type { AuthContext } from "../http/app-env.ts";
import type { RequestMeta } from "../http/client-ip.ts";
import type { Logger } from "../logger.ts";
import { authenticateAccessToken } from "./authenticate.ts";
import { type CurrentUser, currentUser } from "./current-user.ts";
import { createRedisRevocationCache } from "./redis-revocation-cache.ts";
import { refreshSession } from "./refresh.ts";
import { createRevocationList } from "./revocation.ts";
import { createMemoryRevocationCache, type RevocationCache } from "./revocation-cache.ts";
import { listOwnSecurityEvents, type SecurityEventPage } from "./security-event-feed.ts";
import type { SessionContext } from "./session-context.ts";
import type { SessionService, TokenPair } from "./session-service.ts";
import {
  listSessions,
  logout,
  logoutAll,
  revokeAllSessions,
  revokeSessionById,
  type SessionView,
  startSession,
} from "./sessions.ts";
import { createTokenSigner } from "./tokens.ts";

/** Tokens and sessions: what the session routes and the bearer middleware call. */
export interface SessionManager extends SessionService {
  /** Verifies an access token and checks it was not revoked */
  authenticate(token: string): Promise<AuthContext>;
  refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair>;
  logout(auth: AuthContext, meta: RequestMeta): Promise<void>;
  logoutAll(auth: AuthContext, meta: RequestMeta): Promise<void>;
  listSessions(auth: AuthContext): Promise<SessionView[]>;
  revokeSession(auth: AuthContext, sessionId: string, meta: RequestMeta): Promise<void>;
  currentUser(auth: AuthContext): Promise<CurrentUser>;
  securityEvents(auth: AuthContext, page: { limit: number; cursor?: string }): Promise<SecurityEventPage>;
  /** Stops retries and closes the cache connection it opened (not one passed in) */
  close(): Promise<void>;
}

export interface SessionManagerOptions {
  config: Config;
  database: Database;
  clock: Clock;
  logger: Logger;
  /** Defaults to Redis when REDIS_URL is set, memory otherwise */
  cache?: RevocationCache;
  /** Prefix of the cache's Redis keys */
  cacheKeyPrefix?: string;
  /** NOTIFY channel of the cache without Redis */
  revocationChannel?: string;
  newId?: () => string;
}

/** Default namespace of the revocation keys in a Redis shared with the rate limiter. */
export const DEFAULT_CACHE_KEY_PREFIX = "jessy:revocation:";

/** Default NOTIFY channel of the instances of one deployment without Redis. */
export const DEFAULT_REVOCATION_CHANNEL = "jessy_revocations";

/**
 * The revocation cache the configuration asks for: Redis when REDIS_URL is set; without
 * it, memory kept in step between instances by PostgreSQL NOTIFY, or plain memory over
 * embedded PGlite, which only one process can open.
 */
export function createRevocationCache(
  options: {
    config: Config;
    database: Database;
    clock: Clock;
    logger: Logger;
    keyPrefix?: string;
    channel?: string;
  },
): RevocationCache {
  const url = options.config.rateLimit.redisUrl;
  if (!url) {
    if (!options.database.openListener) return createMemoryRevocationCache(options.clock, { shared: true });
    return createNotifiedRevocationCache({
      database: options.database,
      clock: options.clock,
      logger: options.logger,
      channel: options.channel ?? DEFAULT_REVOCATION_CHANNEL,
    });
  }
  return createRedisRevocationCache({
    url,
    keyPrefix: options.keyPrefix ?? DEFAULT_CACHE_KEY_PREFIX,
    timeoutMs: options.config.rateLimit.timeoutMs,
    logger: options.logger,
  });
}

/** Builds the session manager of one instance. */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { config, clock, logger } = options;
  const cache = options.cache ??
    createRevocationCache({
      config,
      database: options.database,
      clock,
      logger,
      keyPrefix: options.cacheKeyPrefix,
      channel: options.revocationChannel,
    });
  const ctx: SessionContext = {
    db: options.database.db,
    config,
    clock,
    logger,
    signer: createTokenSigner(config.jwt),
    revocations: createRevocationList({
      db: options.database.db,
      cache,
      clock,
      logger,
      accessTtlSeconds: config.jwt.accessTtlSeconds,
    }),
    newId: options.newId ?? (() => crypto.randomUUID()),
  };
  return {
    startSession: (user, meta) => startSession(ctx, user, meta),
    revokeAllSessions: (userId: string, reason: string, trx: Transaction<DB>) =>
      revokeAllSessions(ctx, userId, reason, trx),
    authenticate: (token) => authenticateAccessToken(ctx, token),
    refresh: (token, meta) => refreshSession(ctx, token, meta),
    logout: (auth, meta) => logout(ctx, auth, meta),
    logoutAll: (auth, meta) => logoutAll(ctx, auth, meta),
    listSessions: (auth) => listSessions(ctx, auth),
    revokeSession: (auth, id, meta) => revokeSessionById(ctx, auth, id, meta),
    currentUser: (auth) => currentUser(ctx, auth),
    securityEvents: (auth, page) => listOwnSecurityEvents(ctx, auth, page),
    async close() {
      ctx.revocations.close();
      if (!options.cache) await cache.close();
    },
  };
}
