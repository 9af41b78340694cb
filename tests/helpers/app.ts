import { createApp } from "../../src/app.ts";
import type { AppDeps } from "../../src/app-deps.ts";
import { type Clock, systemClock } from "../../src/clock.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { createLimiterFromConfig, securityFeatures } from "../../src/deps.ts";
import { createLogger, type Logger } from "../../src/logger.ts";
import { createPasswordHasher } from "../../src/services/passwords.ts";
import type { RevocationCache } from "../../src/services/revocation-cache.ts";
import { createSessionManager } from "../../src/services/session-manager.ts";
import type { RateLimiter } from "../../src/ratelimit/mod.ts";
import { rateLimitStoreProbe } from "../../src/services/rate-limit-probe.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { TEST_REDIS_URL, TEST_SECRETS } from "./env.ts";
import { deleteKeysWithPrefix } from "./redis-keys.ts";
import { developmentSpecValidator, specValidator } from "./spec-validator.ts";

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
  /** Replace parts of the dependencies */
  deps?: Partial<AppDeps>;
  /**
   * The revocation cache; by default a fresh one (Redis under a unique key prefix when
   * TEST_REDIS_URL is set, memory otherwise). Pass one to share it between instances.
   */
  revocationCache?: RevocationCache;
  /**
   * Rate limits on this Redis instead of memory (memory follows `clock`). The app is
   * returned once the limiter answers from Redis, so no request is counted elsewhere.
   */
  rateLimitRedisUrl?: string;
  /** Redis key prefix of the limiter; unique by default, shared to make instances share limits */
  rateLimitPrefix?: string;
}

/** A key prefix no other test uses, so tests can share one Redis and clean up after themselves. */
export function uniqueCachePrefix(): string {
  return `test:${crypto.randomUUID()}:`;
}

/** Builds the app on a private migrated database (PGlite or a Postgres schema). */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const limiterRedisUrl = options.rateLimitRedisUrl;
  const baseConfig = testConfig(options.env);
  const config = limiterRedisUrl ? testConfig({ ...options.env, REDIS_URL: limiterRedisUrl }) : baseConfig;
  const logger = memoryLogger();
  const ownsDatabase = !options.database;
  const database = options.database ?? await createTestDatabase();
  const clock = options.clock ?? systemClock;
  const sessionConfig = TEST_REDIS_URL && !options.env?.REDIS_URL
    ? testConfig({ ...options.env, REDIS_URL: TEST_REDIS_URL })
    : baseConfig;
  const cacheKeyPrefix = uniqueCachePrefix();
  const sessionManager = createSessionManager({
    config: sessionConfig,
    database,
    clock,
    logger,
    cache: options.revocationCache,
    cacheKeyPrefix,
  });
  const ownsLimiter = !options.deps?.rateLimiter;
  const rateLimiter = options.deps?.rateLimiter ?? createLimiterFromConfig(config, logger, {
    now: () => clock.now().getTime(),
    prefix: options.rateLimitPrefix ?? `jessy:rl:test:${crypto.randomUUID()}`,
  });
  if (ownsLimiter && limiterRedisUrl) await waitForRemoteStore(rateLimiter);
  const deps: AppDeps = {
    config,
    logger,
    clock,
    database,
    rateLimiter,
    probes: { rate_limit_store: rateLimitStoreProbe(rateLimiter) },
    features: securityFeatures(config),
    passwords: createPasswordHasher({ cost: config.bcryptCost }),
    sessions: sessionManager,
    sessionManager,
    authenticate: sessionManager.authenticate,
    ...options.deps,
  };
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
      await sessionManager.close();
      const redisUrl = options.revocationCache ? undefined : sessionConfig.rateLimit.redisUrl;
      if (redisUrl) await deleteKeysWithPrefix(redisUrl, cacheKeyPrefix);
      if (ownsLimiter) await rateLimiter.close();
      if (ownsDatabase) await database.close();
    },
  };
}

/** Waits (up to 5 s) until a Redis-backed limiter answers from Redis rather than memory. */
async function waitForRemoteStore(limiter: RateLimiter): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if ((await limiter.health()).status === "up") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await limiter.close();
  throw new Error("The rate limiter never reached Redis");
}

/** JSON POST helper. */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
