/**
 * The app's dependencies and the one function that assembles them. A running instance
 * (runtime.ts) and the tests call the same `assembleDeps`; they differ only in what they
 * hand it: a database, a clock, a Redis connection.
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { HealthProbe } from "./health-probe.ts";
import type { Logger } from "./logger.ts";
import type { DevOutbox } from "./mail/dev-outbox.ts";
import { createMetrics, type Metrics } from "./metrics/prometheus.ts";
import { NOOP_OBSERVER, type Observer } from "./observer.ts";
import { rateLimitStoreProbe } from "./ratelimit/health-probe.ts";
import { createRateLimiter, type RateLimiter } from "./ratelimit/mod.ts";
import type { RedisConnection } from "./redis/connection.ts";
import { createPasswordHasher, type PasswordHasher } from "./services/accounts/credentials/passwords.ts";
import { type AccountService, createAccountService } from "./services/accounts/service.ts";
import { createPasswordPolicy } from "./services/accounts/credentials/password-policy.ts";
import type { PwnedFile } from "./services/accounts/credentials/pwned-file.ts";
import type { RevocationCache } from "./services/revocation/cache.ts";
import { createCachedRevocations } from "./services/revocation/cached-revocations.ts";
import { createDatabaseRevocations } from "./services/revocation/database-revocations.ts";
import { createRedisRevocationCache } from "./services/revocation/redis-cache.ts";
import type { Revocations } from "./services/revocation/revocations.ts";
import { createSessionService, type SessionService } from "./services/sessions/service.ts";
import { createAccessKeys } from "./services/keys/key-ring.ts";
import { createKeySealer } from "./services/keys/sealing.ts";
import { createMfaService, type MfaService } from "./services/mfa/service.ts";
import { createPasskeyService, type PasskeyService } from "./services/passkeys/service.ts";
import { createKeyService, type KeyService } from "./services/keys/service.ts";
import { type AdminKeyService, createAdminKeyService } from "./services/admin/api-keys.ts";
import { type AdminService, createAdminService } from "./services/admin/service.ts";
import { createWebhookService, type WebhookService } from "./services/admin/webhooks.ts";
import { createSecretBox } from "./webhooks/signing-secrets.ts";

/** Everything the app needs; handlers reach services through it. */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly database: Database;
  /** Counts requests per route tier; Redis or Upstash when configured, memory otherwise */
  readonly rateLimiter: RateLimiter;
  /** Checks besides the database: rate-limit store, mailer */
  readonly probes: Readonly<Record<string, HealthProbe>>;
  /** Security features that are active, as reported by /health */
  readonly features: Readonly<Record<string, boolean | string>>;
  /** bcrypt with bounded concurrency (sign-up, sign-in, password reset) */
  readonly passwords: PasswordHasher;
  readonly accounts: AccountService;
  /** The second factor: enrolment, the sign-in's second step, recovery codes */
  readonly mfa: MfaService;
  /** Passkeys: registration, sign-in with no address, the second factor, the account's list */
  readonly passkeys: PasskeyService;
  readonly sessions: SessionService;
  /** Signing keys: the JWKS, RFC 8414 metadata and the key life cycle (`deno task keys`) */
  readonly keys: KeyService;
  /** Admin API keys (`deno task admin-key`) and the check of a presented one */
  readonly adminKeys: AdminKeyService;
  /** The admin API: users, their disabling and sessions, the audit export, token introspection */
  readonly admin: AdminService;
  /** Webhook subscriptions and their delivery log (the worker runs beside the mail worker) */
  readonly webhooks: WebhookService;
  /** Development only: mail the worker delivered, listed by GET /dev/outbox */
  readonly devOutbox?: DevOutbox;
  /** Prometheus series, when METRICS_PORT or METRICS_TOKEN is set */
  readonly metrics?: Metrics;
  /** Where measurements go: the metrics' observer, or one that drops them */
  readonly observer: Observer;
}

/** What the assembly is handed: the open connections and what a caller wants instead of the default. */
export interface AssemblyOptions {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: Database;
  /** The instance's Redis connection when REDIS_URL is set: rate limits and the revocation cache */
  redis?: RedisConnection;
  /** Namespace of the revocation keys in Redis */
  revocationKeyPrefix?: string;
  /** Namespace of the rate-limit keys in Redis or Upstash */
  rateLimitPrefix?: string;
  /** Replacements (tests): a limiter, a cache, a hasher of their own */
  rateLimiter?: RateLimiter;
  revocationCache?: RevocationCache;
  passwords?: PasswordHasher;
  /** Checks besides the database and the rate-limit store (the mailer) */
  probes?: Record<string, HealthProbe>;
  devOutbox?: DevOutbox;
  /** The instance's metrics (runtime.ts builds them first, for the mail worker); from config otherwise */
  metrics?: Metrics;
  /** The opened PWNED_PASSWORDS_FILE, checked by the password policy; its opener closes it */
  pwnedPasswords?: PwnedFile;
}

/** The assembled dependencies and how to release what the assembly itself built. */
export interface Assembly {
  deps: AppDeps;
  close(): Promise<void>;
}

/** Default namespace of the revocation keys in a Redis shared with the rate limiter. */
export const DEFAULT_REVOCATION_KEY_PREFIX = "jessy:revocation:";

/** Builds every service of one instance from its configuration and open connections. */
export function assembleDeps(options: AssemblyOptions): Assembly {
  const { config, logger, clock, database } = options;
  const metrics = options.metrics ?? (config.metrics.enabled ? createMetrics({ database, clock }) : undefined);
  const observer = metrics?.observer ?? NOOP_OBSERVER;
  const rateLimiter = options.rateLimiter ?? createRateLimiter({
    redis: options.redis,
    upstashUrl: config.rateLimit.upstashUrl,
    upstashToken: config.rateLimit.upstashToken,
    timeoutMs: config.rateLimit.timeoutMs,
    clock,
    prefix: options.rateLimitPrefix,
    log: (level, message, fields) => logger[level](message, fields),
    onFallback: (active) => observer.rateLimitFallback(active),
  });
  const revocations = createRevocations(options, observer);
  const sealer = createKeySealer(config);
  const accessKeys = createAccessKeys({ jwt: config.jwt, db: database.db, clock, logger, sealer });
  const sessions = createSessionService({ config, db: database.db, clock, logger, revocations, accessKeys, observer });
  const keys = createKeyService({ config, db: database.db, clock, logger, accessKeys, sealer, revocations });
  const passwords = options.passwords ?? createPasswordHasher({ cost: config.bcryptCost, observer });
  const accountDeps = {
    config,
    clock,
    logger,
    db: database.db,
    passwords,
    passwordPolicy: createPasswordPolicy({ pwned: options.pwnedPasswords }),
    rateLimiter,
    sessions,
    observer,
  };
  const mfa = createMfaService({ ...accountDeps, sealer });
  const accounts = createAccountService({ ...accountDeps, secondFactor: mfa.secondFactor });
  const deps: AppDeps = {
    config,
    logger,
    clock,
    database,
    rateLimiter,
    probes: { ...options.probes, rate_limit_store: rateLimitStoreProbe(rateLimiter) },
    features: securityFeatures(config, Boolean(options.redis || options.revocationCache)),
    passwords,
    accounts,
    mfa,
    passkeys: createPasskeyService({ ...accountDeps, sealer }),
    sessions,
    keys,
    adminKeys: createAdminKeyService({ db: database.db, clock }),
    admin: createAdminService({ db: database.db, config, clock, sessions, accounts, observer }),
    webhooks: createWebhookService({ db: database.db, clock, secrets: createSecretBox(config, sealer), observer }),
    devOutbox: options.devOutbox,
    metrics,
    observer,
  };
  return {
    deps,
    async close() {
      // Account requests already answered still do their work before the database goes
      await deps.accounts.settled();
      await revocations.close();
      if (!options.rateLimiter) await rateLimiter.close();
    },
  };
}

/**
 * Where the token check reads revocations: a shared Redis cache in front of PostgreSQL
 * when there is a Redis, PostgreSQL itself otherwise.
 */
function createRevocations(options: AssemblyOptions, observer: Observer): Revocations {
  const { config, clock, logger, database } = options;
  const cache = options.revocationCache ?? (options.redis &&
    createRedisRevocationCache({
      client: options.redis.client,
      keyPrefix: options.revocationKeyPrefix ?? DEFAULT_REVOCATION_KEY_PREFIX,
      timeoutMs: config.rateLimit.timeoutMs,
      clock,
    }));
  if (!cache) return createDatabaseRevocations(database.db, clock, observer);
  return createCachedRevocations({
    db: database.db,
    cache,
    clock,
    logger,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    observer,
  });
}

/** What /health reports as active; booleans and kinds only, never a value. */
export function securityFeatures(config: Config, revocationCache: boolean): Record<string, boolean | string> {
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
    token_revocation_cache: revocationCache ? "redis" : "none",
    breached_password_file: Boolean(config.pwnedPasswordsFile),
  };
}
