/**
 * A running instance: opens the database and the Redis connection, starts the mail worker
 * and housekeeping, assembles the dependencies, and closes it all in order.
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { createDatabase, type Database } from "./db/database.ts";
import { migrateToLatest } from "./db/migrate.ts";
import { type AppDeps, assembleDeps } from "./deps.ts";
import type { Logger } from "./logger.ts";
import { startMail } from "./mail/mail-runtime.ts";
import { startWebhooks } from "./webhooks/webhook-runtime.ts";
import { createSecretBox } from "./webhooks/signing-secrets.ts";
import { createKeySealer } from "./services/keys/sealing.ts";
import { openRedisConnection, type RedisConnection } from "./redis/connection.ts";
import { startHousekeeping } from "./services/housekeeping.ts";
import { createMetrics } from "./metrics/prometheus.ts";
import { openConfiguredPwnedFile } from "./services/accounts/credentials/password-policy.ts";

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
/** A ready Redis that leaves commands unanswered this long is stuck (seen after a restart), not slow */
const REDIS_REPLY_TIMEOUT_MS = 2_000;

/**
 * Opens the database the configuration names: PostgreSQL, or embedded PGlite. `migrating`
 * lifts the statement deadline: a migration may rightly take longer than any request.
 */
export async function openDatabase(
  config: Config,
  pgliteDataDir?: string,
  options: { clock?: Clock; migrating?: boolean } = {},
): Promise<Database> {
  return await createDatabase({
    url: config.database.url,
    dataDir: pgliteDataDir,
    poolSize: options.migrating ? 1 : config.database.poolSize,
    statementTimeoutMs: options.migrating ? 0 : config.database.statementTimeoutMs,
    clock: options.clock,
    traced: config.tracing && !options.migrating,
  });
}

/** Applies pending migrations; on PostgreSQL over a connection of their own, without the statement deadline. */
async function migrate(config: Config, database: Database, logger: Logger): Promise<void> {
  const migrator = database.kind === "postgres" ? await openDatabase(config, undefined, { migrating: true }) : database;
  try {
    for (const line of await migrateToLatest(migrator.db)) logger.info("migration", { result: line });
  } finally {
    if (migrator !== database) await migrator.close();
  }
}

/**
 * The one Redis connection of an instance, shared by the rate limiter and the revocation
 * cache. It connects in the background: until Redis answers, limits come from memory and
 * token checks from PostgreSQL.
 */
export function openRedis(url: string, logger: Logger, clock: Clock, traced = false): RedisConnection {
  return openRedisConnection({
    url,
    clock,
    traced,
    connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS,
    maxReconnectDelayMs: REDIS_MAX_RECONNECT_DELAY_MS,
    replyTimeoutMs: REDIS_REPLY_TIMEOUT_MS,
    log: (level, message, fields) => logger[level](message, fields),
  });
}

/** Builds the dependencies of a running instance from its configuration. */
export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = systemClock;
  // First: a configured breached-password file that cannot be read stops production before anything opens
  const pwnedPasswords = await openConfiguredPwnedFile(config, logger);
  const database = await openDatabase(config, options.pgliteDataDir, { clock });
  if (options.migrate) await migrate(config, database, logger);
  const redis = config.rateLimit.redisUrl
    ? openRedis(config.rateLimit.redisUrl, logger, clock, config.tracing)
    : undefined;
  const metrics = config.metrics.enabled ? createMetrics({ database, clock, processMetrics: true }) : undefined;
  const mail = startMail(config, database, clock, logger, { observer: metrics?.observer });
  const secrets = createSecretBox(config, createKeySealer(config));
  const webhooks = startWebhooks(config, database, clock, logger, { secrets, observer: metrics?.observer });
  const retention = { securityEventDays: config.securityEventRetentionDays };
  const housekeeping = startHousekeeping({ db: database.db, clock, logger, retention, config });
  const assembly = assembleDeps({
    config,
    logger,
    clock,
    database,
    redis,
    probes: { mailer: mail.probe },
    devOutbox: mail.devOutbox,
    metrics,
    pwnedPasswords,
  });
  async function close() {
    await mail.close();
    await webhooks.stop();
    await housekeeping.stop();
    await assembly.close();
    await redis?.close();
    await database.close();
    await pwnedPasswords?.close();
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
