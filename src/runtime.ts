/**
 * A running instance: opens the database and the Redis connection, starts the mail worker
 * and housekeeping, assembles the dependencies, and closes it all in order.
 * @module
 */
import { systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createDatabase, type Database } from "./db/database.ts";
import { migrateToLatest } from "./db/migrate.ts";
import { type AppDeps, assembleDeps } from "./deps.ts";
import type { Logger } from "./logger.ts";
import { startMail } from "./mail/mail-runtime.ts";
import { openRedisConnection, type RedisConnection } from "./redis/connection.ts";
import { startHousekeeping } from "./services/housekeeping.ts";

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

const REDIS_CONNECT_TIMEOUT_MS = 2_000;
const REDIS_MAX_RECONNECT_DELAY_MS = 2_000;

/** Opens the database the configuration names: PostgreSQL, or embedded PGlite. */
export async function openDatabase(config: Config, pgliteDataDir?: string): Promise<Database> {
  return await createDatabase({
    url: config.database.url,
    dataDir: pgliteDataDir,
    poolSize: config.database.poolSize,
  });
}

/**
 * The one Redis connection of an instance, shared by the rate limiter and the revocation
 * cache. It connects in the background: until Redis answers, limits come from memory and
 * token checks from PostgreSQL.
 */
export function openRedis(url: string, logger: Logger): RedisConnection {
  return openRedisConnection({
    url,
    connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS,
    maxReconnectDelayMs: REDIS_MAX_RECONNECT_DELAY_MS,
    log: (level, message, fields) => logger[level](message, fields),
  });
}

/** Builds the dependencies of a running instance from its configuration. */
export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = systemClock;
  const database = await openDatabase(config, options.pgliteDataDir);
  if (options.migrate) {
    for (const line of await migrateToLatest(database.db)) logger.info("migration", { result: line });
  }
  const redis = config.rateLimit.redisUrl ? openRedis(config.rateLimit.redisUrl, logger) : undefined;
  const mail = startMail(config, database, clock, logger);
  const housekeeping = startHousekeeping({ db: database.db, clock, logger });
  const assembly = assembleDeps({
    config,
    logger,
    clock,
    database,
    redis,
    probes: { mailer: mail.probe },
    devOutbox: mail.devOutbox,
  });
  async function close() {
    await mail.close();
    await housekeeping.stop();
    await assembly.close();
    await redis?.close();
    await database.close();
  }
  try {
    // Signing with a key pair: one must be current (and open) before the first request
    await assembly.deps.keys.ensureSigningKey();
  } catch (error) {
    await close();
    throw error;
  }
  return { deps: assembly.deps, close };
}
