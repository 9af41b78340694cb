/**
 * The configuration, read once: the environment schema, the parsed and frozen Config, and
 * the production refusals. Longer than most modules on purpose: a new variable is added
 * in one place (schema, Config field, refusal), and the README's table follows this file.
 * @module
 */
import { ACTIVITY_MAIL_KINDS, type ActivityMailKind, isActivityMailKind } from "./activity-mail-kinds.ts";
import { z } from "zod";
import { base64, fromBase64, isB64Token, utf8Length } from "./encoding.ts";
import { LOG_FORMATS, type LogFormat } from "./logger.ts";
import { parseRelyingParty, type RelyingParty } from "./relying-party.ts";

/** Rate-limit tiers of the public contract; each route declares one. */
export const TIERS = [
  "auth",
  "email_verification",
  "public",
  "general",
  "voice",
  "security_test",
  "admin",
  "sensitive",
] as const;
export type Tier = typeof TIERS[number];

/** Default per-minute limit of each tier; RATE_LIMIT_<TIER>_PER_MINUTE overrides it. */
export const DEFAULT_TIER_LIMITS: Readonly<Record<Tier, number>> = {
  auth: 5,
  email_verification: 3,
  public: 100,
  general: 60,
  voice: 10,
  security_test: 2,
  admin: 600,
  sensitive: 5,
};

/** How access tokens are signed: HS256 with JWT_SECRET, or a key pair kept in PostgreSQL. */
export const SIGNING_ALGORITHMS = ["HS256", "EdDSA", "ES256"] as const;
export type SigningAlgorithm = typeof SIGNING_ALGORITHMS[number];

const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .transform((value) => ["1", "true", "yes", "on"].includes(value));

const optionalText = z
  .string()
  .trim()
  .transform((value) => value === "" ? undefined : value)
  .optional();

function integer(defaultValue: number, min: number, max: number) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue);
}

const envSchema = z.object({
  ENVIRONMENT: z.enum(["development", "production"]).default("development"),
  DEBUG_MODE: booleanFlag.default(false),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  PORT: integer(8000, 0, 65535),
  APP_URL: z.url({ protocol: /^https?$/ }).optional(),
  ACCOUNT_PAGES_URL: z.url({ protocol: /^https?$/ }).optional().or(z.literal("").transform(() => undefined)),
  TRUST_PROXY: integer(0, 0, 10),
  WEBHOOK_ALLOWED_HOSTS: optionalText,
  MFA_ISSUER: z.string().trim().min(1).max(64).default("Jessy AI"),
  WEBAUTHN_RP_ID: optionalText,
  WEBAUTHN_RP_NAME: z.string().trim().min(1).max(64).default("Jessy AI"),
  WEBAUTHN_ORIGINS: optionalText,
  ACTIVITY_MAILS: optionalText,
  JWT_SECRET: optionalText,
  JWT_REFRESH_SECRET: optionalText,
  JWT_SECRET_PREVIOUS: optionalText,
  JWT_REFRESH_SECRET_PREVIOUS: optionalText,
  HMAC_SECRET: optionalText,
  HMAC_SECRET_PREVIOUS: optionalText,
  JWT_SIGNING_ALG: z.enum(SIGNING_ALGORITHMS).default("HS256"),
  KEY_ENCRYPTION_KEY: optionalText,
  REFRESH_REUSE_GRACE_SECONDS: integer(10, 0, 60),
  ACCESS_TOKEN_TTL_SECONDS: integer(900, 60, 86_400),
  REFRESH_TOKEN_TTL_SECONDS: integer(2_592_000, 300, 31_536_000),
  SESSION_MAX_LIFETIME_SECONDS: integer(7_776_000, 300, 315_360_000),
  BCRYPT_COST: integer(12, 4, 15),
  CORS_ALLOWED_ORIGINS: z.string().default(""),
  CORS_ALLOW_CREDENTIALS: booleanFlag.default(false),
  DATABASE_URL: optionalText,
  DATABASE_POOL_SIZE: integer(10, 1, 100),
  DATABASE_STATEMENT_TIMEOUT_MS: integer(5000, 100, 600_000),
  REDIS_URL: optionalText,
  UPSTASH_REDIS_REST_URL: optionalText,
  UPSTASH_REDIS_REST_TOKEN: optionalText,
  RATE_LIMIT_TIMEOUT_MS: integer(250, 10, 10_000),
  RATE_LIMIT_AUTH_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.auth, 1, 100_000),
  RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.email_verification, 1, 100_000),
  RATE_LIMIT_PUBLIC_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.public, 1, 100_000),
  RATE_LIMIT_GENERAL_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.general, 1, 100_000),
  RATE_LIMIT_VOICE_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.voice, 1, 100_000),
  RATE_LIMIT_SECURITY_TEST_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.security_test, 1, 100_000),
  RATE_LIMIT_ADMIN_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.admin, 1, 100_000),
  RATE_LIMIT_SENSITIVE_PER_MINUTE: integer(DEFAULT_TIER_LIMITS.sensitive, 1, 100_000),
  SMTP_SERVER: optionalText,
  SMTP_PORT: integer(587, 1, 65535),
  SMTP_USERNAME: optionalText,
  SMTP_PASSWORD: optionalText,
  FROM_EMAIL: z.string().trim().default("noreply@jessy-ai.com"),
  OTP_EXPIRATION_MINUTES: integer(15, 1, 1440),
  BODY_LIMIT_BYTES: integer(65_536, 1024, 10_485_760),
  HEALTH_DETAILS_TOKEN: optionalText,
  SECURITY_EVENT_RETENTION_DAYS: integer(365, 1, 36_500),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional().or(z.literal("").transform(() => undefined)),
  METRICS_TOKEN: optionalText,
  OTEL_DENO: booleanFlag.default(false),
  ACCOUNT_DELETION_GRACE_DAYS: integer(7, 0, 365),
  PWNED_PASSWORDS_FILE: optionalText,
  LOG_FORMAT: optionalText.pipe(z.enum(LOG_FORMATS, { error: `must be ${LOG_FORMATS.join(" or ")}` }).optional()),
});

export type Environment = "development" | "production";

/** The service's configuration: parsed once from the environment, frozen, passed down. */
export interface Config {
  readonly environment: Environment;
  readonly debug: boolean;
  readonly host: string;
  readonly port: number;
  readonly appUrl: string;
  /**
   * Base URL of the pages mailed links open: `/account/reset-password` and its siblings are
   * appended to it, with the token in the fragment. ACCOUNT_PAGES_URL, else APP_URL (the
   * built-in pages)
   */
  readonly accountPagesUrl: string;
  /** The name authenticator apps show above the account's address (MFA_ISSUER) */
  readonly mfaIssuer: string;
  /** Passkeys: WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME, WEBAUTHN_ORIGINS */
  readonly relyingParty: RelyingParty;
  readonly trustProxy: number;
  /** Webhook hosts that may resolve to loopback or private addresses (lower case, IPv6 without brackets) */
  readonly webhookAllowedHosts: readonly string[];
  /** The activity mails that go out (ACTIVITY_MAILS: a comma list of kinds, `all` or `none`; default all) */
  readonly activityMails: readonly ActivityMailKind[];
  readonly jwt: {
    readonly accessSecret: string;
    readonly refreshSecret: string;
    /** The secrets before the last rotation: their tokens stay valid until they expire */
    readonly previousAccessSecret?: string;
    readonly previousRefreshSecret?: string;
    readonly signingAlg: SigningAlgorithm;
    /** 32 bytes, base64: seals the private halves of signing keys (unset: derived from accessSecret) */
    readonly keyEncryptionKey?: string;
    /** How long a consumed refresh token still returns the pair it was exchanged for */
    readonly refreshReuseGraceSeconds: number;
    readonly accessTtlSeconds: number;
    readonly refreshTtlSeconds: number;
    readonly issuer: string;
    readonly audience: string;
  };
  /** Absolute session lifetime from sign-in: refreshes never extend a session past it */
  readonly sessionMaxLifetimeSeconds: number;
  /** Keys the HMACs of verification codes and reset tokens: HMAC_SECRET, else JWT_SECRET */
  readonly codeSecrets: { readonly current: string; readonly previous?: string };
  readonly bcryptCost: number;
  readonly cors: { readonly origins: readonly string[]; readonly allowCredentials: boolean };
  readonly database: {
    readonly url?: string;
    readonly poolSize: number;
    /** Deadline of a statement or a transaction, the wait for a connection included */
    readonly statementTimeoutMs: number;
  };
  readonly rateLimit: {
    readonly redisUrl?: string;
    readonly upstashUrl?: string;
    readonly upstashToken?: string;
    readonly timeoutMs: number;
    readonly perMinute: Readonly<Record<Tier, number>>;
  };
  readonly smtp?: {
    readonly host: string;
    readonly port: number;
    readonly username?: string;
    readonly password?: string;
  };
  readonly fromEmail: string;
  readonly otpTtlMinutes: number;
  readonly bodyLimitBytes: number;
  /** Bearer token that shows /health's details (version, environment, kinds, latencies) in production */
  readonly healthDetailsToken?: string;
  /** Security events older than this many days are deleted by housekeeping */
  readonly securityEventRetentionDays: number;
  /**
   * Prometheus metrics: on when either is set. `port` serves /metrics on a listener of its own
   * (on HOST); `token` serves it on the main port to that bearer
   */
  readonly metrics: { readonly enabled: boolean; readonly port?: number; readonly token?: string };
  /** OTEL_DENO: Deno exports traces (OTEL_* variables), and the service adds spans of its own */
  readonly tracing: boolean;
  /** Days a deleted account can still be restored before housekeeping erases it (0: erased at once) */
  readonly accountDeletionGraceDays: number;
  /** A breached-password file built by `deno task pwned:build`, checked by the password policy */
  readonly pwnedPasswordsFile?: string;
  /** LOG_FORMAT: `pretty` lines a person reads (the development default) or JSON (everywhere else) */
  readonly logFormat: LogFormat;
}

/** Raised when the environment cannot be used; `problems` holds one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: Config;
  /** Unsafe development defaults, one line each, to print at start-up */
  warnings: string[];
}

const MIN_SECRET_BYTES = 32;

/**
 * Accepts the original backend's SQLAlchemy URL (`postgresql+asyncpg://`) and the
 * `postgres://` / `postgresql://` forms, returning a URL postgres.js understands.
 */
export function normalizeDatabaseUrl(url: string): string {
  return url.replace(/^postgres(?:ql)?(?:\+[a-z0-9_]+)?:\/\//i, "postgres://");
}

function parseOrigins(raw: string): string[] {
  return raw.split(",").map((origin) => origin.trim().replace(/\/+$/, "")).filter(Boolean);
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  return base64(bytes);
}

/**
 * Parses the environment into a frozen Config. Production refuses unsafe settings with
 * a ConfigError listing every problem; development falls back to embedded defaults and
 * reports each unsafe default as a warning.
 */
export function loadConfig(env: Record<string, string | undefined>): LoadedConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const production = e.ENVIRONMENT === "production";
  const problems: string[] = [];
  const warnings: string[] = [];
  const origins = parseOrigins(e.CORS_ALLOWED_ORIGINS);
  const smtpConfigured = Boolean(e.SMTP_SERVER);

  for (const [name, value] of [["JWT_SECRET", e.JWT_SECRET], ["JWT_REFRESH_SECRET", e.JWT_REFRESH_SECRET]]) {
    if (!value) {
      if (production) problems.push(`${name} is required in production`);
      else warnings.push(`${name} is not set: using a random secret for this run (tokens die on restart)`);
    } else if (utf8Length(value) < MIN_SECRET_BYTES) {
      const line = `${name} must be at least ${MIN_SECRET_BYTES} bytes`;
      if (production) problems.push(line);
      else warnings.push(line);
    }
  }
  checkRotationSecrets(e, production, problems, warnings);
  if (e.JWT_SECRET && e.JWT_SECRET === e.JWT_REFRESH_SECRET) {
    const line = "JWT_SECRET and JWT_REFRESH_SECRET must differ";
    if (production) problems.push(line);
    else warnings.push(line);
  }
  if (origins.includes("*")) {
    const line = e.CORS_ALLOW_CREDENTIALS
      ? "CORS_ALLOWED_ORIGINS must not be * when CORS_ALLOW_CREDENTIALS is true"
      : "CORS_ALLOWED_ORIGINS must list exact origins, not *";
    if (production) problems.push(line);
    else warnings.push(`${line}: * is ignored`);
  }
  if (production && e.DEBUG_MODE) problems.push("DEBUG_MODE must be off in production");
  if (!e.DATABASE_URL) {
    if (production) problems.push("DATABASE_URL is required in production");
    else warnings.push("DATABASE_URL is not set: using embedded PGlite");
  }
  if (!smtpConfigured) {
    if (production) problems.push("SMTP_SERVER is required in production");
    else warnings.push("SMTP_SERVER is not set: mail goes to the development outbox at /dev/outbox");
  }
  if (production && e.BCRYPT_COST < 10) problems.push("BCRYPT_COST must be at least 10 in production");
  if (production && !e.APP_URL) problems.push("APP_URL is required in production");
  checkAccountPagesUrl(e.ACCOUNT_PAGES_URL, production, problems);
  if (!e.REDIS_URL && !e.UPSTASH_REDIS_REST_URL) {
    if (!production) warnings.push("REDIS_URL is not set: rate limits are kept in memory");
  }
  if (Boolean(e.UPSTASH_REDIS_REST_URL) !== Boolean(e.UPSTASH_REDIS_REST_TOKEN)) {
    problems.push("UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together");
  }
  if (production && e.HEALTH_DETAILS_TOKEN && utf8Length(e.HEALTH_DETAILS_TOKEN) < MIN_SECRET_BYTES) {
    problems.push(`HEALTH_DETAILS_TOKEN must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (production && e.METRICS_TOKEN && utf8Length(e.METRICS_TOKEN) < MIN_SECRET_BYTES) {
    problems.push(`METRICS_TOKEN must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  // A token the Authorization header cannot carry would be refused at every request instead
  for (const name of ["HEALTH_DETAILS_TOKEN", "METRICS_TOKEN"] as const) {
    const token = e[name];
    if (token && !isB64Token(token)) {
      problems.push(`${name} must be a bearer token: letters, digits and -._~+/ (then = padding)`);
    }
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) {
    problems.push("METRICS_PORT must differ from PORT");
  }
  const appUrlBase = (e.APP_URL ?? `http://localhost:${e.PORT || 8000}`).replace(/\/+$/, "");
  const relyingParty = parseRelyingParty(
    {
      rpId: e.WEBAUTHN_RP_ID,
      rpName: e.WEBAUTHN_RP_NAME,
      origins: e.WEBAUTHN_ORIGINS,
      appUrl: appUrlBase,
      accountPagesUrl: e.ACCOUNT_PAGES_URL ?? appUrlBase,
    },
    production,
    problems,
  );
  const activityMails = parseActivityMails(e.ACTIVITY_MAILS, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const accessSecret = e.JWT_SECRET ?? randomSecret();
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT || 8000}`).replace(/\/+$/, "");
  const config: Config = {
    environment: e.ENVIRONMENT,
    debug: e.DEBUG_MODE,
    host: e.HOST,
    port: e.PORT,
    appUrl,
    accountPagesUrl: e.ACCOUNT_PAGES_URL?.replace(/\/+$/, "") ?? appUrl,
    mfaIssuer: e.MFA_ISSUER,
    relyingParty,
    trustProxy: e.TRUST_PROXY,
    webhookAllowedHosts: (e.WEBHOOK_ALLOWED_HOSTS ?? "").split(",").map((host) => host.trim().toLowerCase())
      .map((host) => host.replace(/^\[(.*)\]$/, "$1")).filter(Boolean),
    activityMails,
    jwt: {
      accessSecret,
      refreshSecret: e.JWT_REFRESH_SECRET ?? randomSecret(),
      previousAccessSecret: e.JWT_SECRET_PREVIOUS,
      previousRefreshSecret: e.JWT_REFRESH_SECRET_PREVIOUS,
      signingAlg: e.JWT_SIGNING_ALG,
      keyEncryptionKey: e.KEY_ENCRYPTION_KEY,
      refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      issuer: appUrl,
      audience: "jessy-api",
    },
    sessionMaxLifetimeSeconds: e.SESSION_MAX_LIFETIME_SECONDS,
    codeSecrets: e.HMAC_SECRET
      ? { current: e.HMAC_SECRET, previous: e.HMAC_SECRET_PREVIOUS }
      : { current: accessSecret, previous: e.HMAC_SECRET_PREVIOUS },
    bcryptCost: e.BCRYPT_COST,
    cors: { origins: origins.filter((origin) => origin !== "*"), allowCredentials: e.CORS_ALLOW_CREDENTIALS },
    database: {
      url: e.DATABASE_URL ? normalizeDatabaseUrl(e.DATABASE_URL) : undefined,
      poolSize: e.DATABASE_POOL_SIZE,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    rateLimit: {
      redisUrl: e.REDIS_URL,
      upstashUrl: e.UPSTASH_REDIS_REST_URL,
      upstashToken: e.UPSTASH_REDIS_REST_TOKEN,
      timeoutMs: e.RATE_LIMIT_TIMEOUT_MS,
      perMinute: {
        auth: e.RATE_LIMIT_AUTH_PER_MINUTE,
        email_verification: e.RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE,
        public: e.RATE_LIMIT_PUBLIC_PER_MINUTE,
        general: e.RATE_LIMIT_GENERAL_PER_MINUTE,
        voice: e.RATE_LIMIT_VOICE_PER_MINUTE,
        security_test: e.RATE_LIMIT_SECURITY_TEST_PER_MINUTE,
        admin: e.RATE_LIMIT_ADMIN_PER_MINUTE,
        sensitive: e.RATE_LIMIT_SENSITIVE_PER_MINUTE,
      },
    },
    smtp: e.SMTP_SERVER
      ? { host: e.SMTP_SERVER, port: e.SMTP_PORT, username: e.SMTP_USERNAME, password: e.SMTP_PASSWORD }
      : undefined,
    fromEmail: e.FROM_EMAIL,
    otpTtlMinutes: e.OTP_EXPIRATION_MINUTES,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    healthDetailsToken: e.HEALTH_DETAILS_TOKEN,
    securityEventRetentionDays: e.SECURITY_EVENT_RETENTION_DAYS,
    metrics: {
      enabled: e.METRICS_PORT !== undefined || e.METRICS_TOKEN !== undefined,
      port: e.METRICS_PORT,
      token: e.METRICS_TOKEN,
    },
    tracing: e.OTEL_DENO,
    accountDeletionGraceDays: e.ACCOUNT_DELETION_GRACE_DAYS,
    pwnedPasswordsFile: e.PWNED_PASSWORDS_FILE,
    logFormat: e.LOG_FORMAT ?? (production ? "json" : "pretty"),
  };
  return { config: deepFreeze(config), warnings };
}

/** The previous secrets, HMAC_SECRET and KEY_ENCRYPTION_KEY: lengths, pairings and what a rotation would break. */
function checkRotationSecrets(
  e: z.infer<typeof envSchema>,
  production: boolean,
  problems: string[],
  warnings: string[],
) {
  const report = (line: string) => production ? problems.push(line) : warnings.push(line);
  const optionalSecrets = [
    ["JWT_SECRET_PREVIOUS", e.JWT_SECRET_PREVIOUS],
    ["JWT_REFRESH_SECRET_PREVIOUS", e.JWT_REFRESH_SECRET_PREVIOUS],
    ["HMAC_SECRET", e.HMAC_SECRET],
    ["HMAC_SECRET_PREVIOUS", e.HMAC_SECRET_PREVIOUS],
  ];
  for (const [name, value] of optionalSecrets) {
    if (value && utf8Length(value) < MIN_SECRET_BYTES) report(`${name} must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (e.HMAC_SECRET_PREVIOUS && !e.HMAC_SECRET) problems.push("HMAC_SECRET_PREVIOUS is set without HMAC_SECRET");
  if (!e.HMAC_SECRET) {
    // Codes and reset links are keyed from JWT_SECRET: rotating it would kill the pending ones
    if (e.JWT_SECRET_PREVIOUS) {
      report(
        "HMAC_SECRET is required once JWT_SECRET_PREVIOUS is set: pending codes and reset links are keyed from JWT_SECRET",
      );
    } else if (!production) {
      warnings.push(
        "HMAC_SECRET is not set: codes and reset links are keyed from JWT_SECRET, so rotating it kills them",
      );
    }
  }
  if (e.KEY_ENCRYPTION_KEY && !isKeyEncryptionKey(e.KEY_ENCRYPTION_KEY)) {
    problems.push("KEY_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)");
  }
  if (e.JWT_SIGNING_ALG !== "HS256" && !e.KEY_ENCRYPTION_KEY) {
    if (production) problems.push(`KEY_ENCRYPTION_KEY is required with JWT_SIGNING_ALG=${e.JWT_SIGNING_ALG}`);
    else {warnings.push(
        "KEY_ENCRYPTION_KEY is not set: private signing keys are sealed under a key derived from JWT_SECRET",
      );}
  }
}

/**
 * ACCOUNT_PAGES_URL is a base the page paths and `#token=` are appended to: a query or a
 * fragment would swallow them. Mailed links carry tokens, so production sends them over https only.
 */
function checkAccountPagesUrl(value: string | undefined, production: boolean, problems: string[]) {
  if (!value) return;
  const url = new URL(value);
  if (url.search || url.hash || value.includes("#") || value.includes("?")) {
    problems.push("ACCOUNT_PAGES_URL must be a base URL without a query or fragment");
  }
  if (production && url.protocol !== "https:") problems.push("ACCOUNT_PAGES_URL must use https in production");
}

/** 32 bytes in base64 or base64url. */
function isKeyEncryptionKey(text: string): boolean {
  try {
    return fromBase64(text).length === 32;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** ACTIVITY_MAILS: unset or `all` sends every kind, `none` none, else the kinds named (an unknown one is refused). */
function parseActivityMails(value: string | undefined, problems: string[]): ActivityMailKind[] {
  if (value === undefined || value.toLowerCase() === "all") return [...ACTIVITY_MAIL_KINDS];
  if (value.toLowerCase() === "none") return [];
  const names = value.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !isActivityMailKind(name));
  if (unknown.length > 0) {
    problems.push(
      `ACTIVITY_MAILS names unknown kinds (${unknown.join(", ")}); known: ${ACTIVITY_MAIL_KINDS.join(", ")}`,
    );
  }
  return names.filter(isActivityMailKind);
}
