import { createApp } from "../../src/app.ts";
import { type Clock, systemClock } from "../../src/clock.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { type AppDeps, assembleDeps } from "../../src/deps.ts";
import { createLogger, type Logger } from "../../src/logger.ts";
import { createRateLimiter, type RateLimiter } from "../../src/ratelimit/mod.ts";
import type { RedisConnection } from "../../src/redis/connection.ts";
import { openRedis } from "../../src/runtime.ts";
import type { PasswordHasher } from "../../src/services/accounts/credentials/passwords.ts";
import { openConfiguredPwnedFile } from "../../src/services/accounts/credentials/password-policy.ts";
import type { RevocationCache } from "../../src/services/revocation/cache.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { TEST_REDIS_URL, TEST_SECRETS } from "./env.ts";
import { deleteKeysWithPrefix } from "./redis.ts";
import { developmentSpecValidator, specValidator } from "./spec-validator.ts";
import { until } from "./until.ts";

/** A config as production would parse it, from test defaults plus overrides. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ENVIRONMENT: "development",
    ...TEST_SECRETS,
    BCRYPT_COST: "4",
    APP_URL: "http://localhost:8000",
    CORS_ALLOWED_ORIGINS: "https://app.example.com",
    ...overrides,
  }).config;
}

/** Captures log lines so tests can assert on them (and keep the output quiet). */
export function memoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(logger, { lines });
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  database: TestDatabase;
  logger: ReturnType<typeof memoryLogger>;
  /** In-process request against the app; `clientIp` is the socket address the app sees */
  request(path: string, init?: RequestInit, clientIp?: string): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** Reuse a database across apps (two instances, or one per module) */
  database?: TestDatabase;
  /** Replace parts of the assembled dependencies */
  deps?: Partial<AppDeps> | ((assembled: AppDeps) => Partial<AppDeps>);
  /**
   * The revocation cache; by default the instance's Redis under a unique key prefix when
   * TEST_REDIS_URL is set, none (PostgreSQL answers every check) otherwise. Pass one to
   * share it between instances.
   */
  revocationCache?: RevocationCache;
  /** No Redis at all, even when TEST_REDIS_URL is set: PostgreSQL answers every token check */
  withoutRedis?: boolean;
  /**
   * Rate limits on this Redis instead of memory (memory follows `clock`). The app is
   * returned once the limiter answers from Redis, so no request is counted elsewhere.
   */
  rateLimitRedisUrl?: string;
  /** Redis key prefix of the limiter; unique by default, shared to make instances share limits */
  rateLimitPrefix?: string;
  /** The password hasher the account service uses (a counting or saturated one) */
  passwords?: PasswordHasher;
}

/** A key prefix no other test uses, so tests can share one Redis and clean up after themselves. */
export function uniqueCachePrefix(): string {
  return `test:${crypto.randomUUID()}:`;
}

/**
 * Builds the app on a private migrated database (PGlite or a Postgres schema) with the
 * production assembly. Rate limits stay in memory unless `rateLimitRedisUrl` is given, so
 * tests that share one Redis do not count each other's requests.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const limiterRedisUrl = options.rateLimitRedisUrl;
  const config = testConfig({ ...options.env, ...(limiterRedisUrl ? { REDIS_URL: limiterRedisUrl } : {}) });
  const logger = memoryLogger();
  const ownsDatabase = !options.database;
  const database = options.database ?? await createTestDatabase();
  const clock = options.clock ?? systemClock;
  const redisUrl = options.revocationCache || options.withoutRedis
    ? undefined
    : config.rateLimit.redisUrl ?? TEST_REDIS_URL;
  const redis: RedisConnection | undefined = redisUrl ? openRedis(redisUrl, logger, clock) : undefined;
  const revocationKeyPrefix = uniqueCachePrefix();
  // As an instance does: PWNED_PASSWORDS_FILE, when set, is opened once and checked by the policy
  const pwnedPasswords = await openConfiguredPwnedFile(config, logger);
  // The limiter reaches Redis only when the test asks for it; memory follows the test's clock
  const memoryLimiter = limiterRedisUrl ? undefined : createRateLimiter({
    timeoutMs: config.rateLimit.timeoutMs,
    clock,
    log: (level, message, fields) => logger[level](message, fields),
  });
  const assembly = assembleDeps({
    config,
    logger,
    clock,
    database,
    redis,
    rateLimiter: memoryLimiter,
    rateLimitPrefix: options.rateLimitPrefix ?? `jessy:rl:test:${crypto.randomUUID()}`,
    revocationKeyPrefix,
    revocationCache: options.revocationCache,
    passwords: options.passwords,
    pwnedPasswords,
  });
  if (limiterRedisUrl) await waitForRemoteStore(assembly.deps.rateLimiter);
  const overrides = typeof options.deps === "function" ? options.deps(assembly.deps) : options.deps;
  const deps: AppDeps = { ...assembly.deps, ...overrides };
  const app = createApp(deps);
  const validator = config.environment === "development" ? developmentSpecValidator() : specValidator();
  return {
    app,
    deps,
    database,
    logger,
    async request(path, init, clientIp = "127.0.0.1") {
      const response = await app.request(path, init, {
        remoteAddr: { transport: "tcp", hostname: clientIp, port: 40000 },
      });
      // Every response a test sees must match the published contract (or, in development, the served one)
      await validator.check(init?.method ?? "GET", path, response);
      return response;
    },
    async close() {
      await assembly.close();
      await memoryLimiter?.close();
      if (redisUrl) await deleteKeysWithPrefix(redisUrl, revocationKeyPrefix);
      await redis?.close();
      await pwnedPasswords?.close();
      if (ownsDatabase) await database.close();
    },
  };
}

/** Waits (up to 5 s) until a Redis-backed limiter answers from Redis rather than memory. */
async function waitForRemoteStore(limiter: RateLimiter): Promise<void> {
  // Polls a connection made in the background: nothing to inject
  await until(async () => (await limiter.health()).status === "up", {
    interval: 50,
    what: "the rate limiter reaching Redis",
  });
}
