import type { AppDeps } from "./app-deps.ts";
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createDatabase, type Database } from "./db/database.ts";
import { migrateToLatest } from "./db/migrate.ts";
import type { Logger } from "./logger.ts";
import { startMail } from "./mail/mail-runtime.ts";
import { createPasswordHasher } from "./services/passwords.ts";
import { startHousekeeping } from "./services/housekeeping.ts";
import { createSessionManager } from "./services/session-manager.ts";
import { createRateLimiter, type RateLimiter } from "./ratelimit/mod.ts";
import { rateLimitStoreProbe } from "./services/rate-limit-probe.ts";

/** The running service's dependencies plus how to release them. */
export interface Runtime {
  deps: AppDeps;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** PGlite data directory when no DATABASE_URL is set (development persists under .data/) */
  pgliteDataDir?: string;
  /** Apply pending migrations before serving (development) */
  migrate?: boolean;
}

/** Opens the database and builds every dependency from the configuration. */
export async function createDatabaseFromConfig(config: Config, pgliteDataDir?: string): Promise<Database> {
  return await createDatabase({
    url: config.database.url,
    dataDir: pgliteDataDir,
    poolSize: config.database.poolSize,
  });
}

/** Builds the dependencies of a running instance from its configuration. */
export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const database = await createDatabaseFromConfig(config, options.pgliteDataDir);
  if (options.migrate) {
    for (const line of await migrateToLatest(database.db)) logger.info("migration", { result: line });
  }
  const mail = startMail(config, database, systemClock, logger);
  const sessionManager = createSessionManager({ config, database, clock: systemClock, logger });
  const rateLimiter = createLimiterFromConfig(config, logger);
  const housekeeping = startHousekeeping({ db: database.db, clock: systemClock, logger });
  const deps: AppDeps = {
    config,
    logger,
    clock: systemClock,
    database,
    rateLimiter,
    probes: { mailer: mail.probe, rate_limit_store: rateLimitStoreProbe(rateLimiter) },
    features: securityFeatures(config),
    passwords: createPasswordHasher({ cost: config.bcryptCost }),
    devOutbox: mail.devOutbox,
    sessions: sessionManager,
    sessionManager,
    authenticate: sessionManager.authenticate,
  };
  return {
    deps,
    async close() {
      await mail.close();
      await housekeeping.stop();
      await sessionManager.close();
      await rateLimiter.close();
      await database.close();
    },
  };
}

export interface LimiterOptions {
  /** Epoch ms for the memory store (tests inject their clock) */
  now?: () => number;
  /** Key prefix in Redis (tests keep theirs apart) */
  prefix?: string;
}

/**
 * The rate limiter the configuration asks for: Upstash, a self-hosted Redis, or memory.
 * It connects in the background and logs its store going away and coming back.
 */
export function createLimiterFromConfig(config: Config, logger: Logger, options: LimiterOptions = {}): RateLimiter {
  const { redisUrl, upstashUrl, upstashToken, timeoutMs } = config.rateLimit;
  return createRateLimiter({
    redisUrl,
    upstashUrl,
    upstashToken,
    timeoutMs,
    now: options.now,
    prefix: options.prefix,
    log: (level, message, fields) => logger[level](message, fields),
  });
}

/** What /health reports as active; booleans and kinds only, never a value. */
export function securityFeatures(config: Config): Record<string, boolean | string> {
  return {
    rate_limiting: true,
    rate_limit_store: config.rateLimit.upstashUrl ? "upstash" : config.rateLimit.redisUrl ? "redis" : "memory",
    cors_restricted: true,
    cors_credentials: config.cors.allowCredentials,
    security_headers: true,
    hsts: config.environment === "production",
    request_ids: true,
    problem_details: true,
    body_limit_bytes: String(config.bodyLimitBytes),
    separate_refresh_secret: config.jwt.accessSecret !== config.jwt.refreshSecret,
    refresh_token_rotation: true,
    refresh_token_reuse_detection: true,
    token_revocation_cache: config.rateLimit.redisUrl ? "redis" : "memory",
  };
}
