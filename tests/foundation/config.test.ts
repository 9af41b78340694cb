import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { ConfigError, loadConfig, normalizeDatabaseUrl } from "../../src/config.ts";

const SAFE_PRODUCTION = {
  ENVIRONMENT: "production",
  JWT_SECRET: "a".repeat(32),
  JWT_REFRESH_SECRET: "b".repeat(32),
  CORS_ALLOWED_ORIGINS: "https://app.jessy-ai.com",
  DATABASE_URL: "postgresql+asyncpg://user:pw@db.internal:5432/jessy",
  SMTP_SERVER: "smtp.example.com",
  APP_URL: "https://api.jessy-ai.com",
};

function problemsOf(env: Record<string, string>): string[] {
  const error = assertThrows(() => loadConfig(env), ConfigError);
  return error.problems;
}

Deno.test("loadConfig accepts a safe production environment and freezes the result", () => {
  const { config, warnings } = loadConfig(SAFE_PRODUCTION);
  assertEquals(warnings, []);
  assertEquals(config.environment, "production");
  assertEquals(config.database.url, "postgres://user:pw@db.internal:5432/jessy");
  assert(Object.isFrozen(config) && Object.isFrozen(config.jwt) && Object.isFrozen(config.rateLimit.perMinute));
});

Deno.test("normalizeDatabaseUrl rewrites SQLAlchemy and postgresql:// forms to postgres://", () => {
  assertEquals(normalizeDatabaseUrl("postgresql+asyncpg://u:p@h/db"), "postgres://u:p@h/db");
  assertEquals(normalizeDatabaseUrl("postgresql://u@h:5432/db"), "postgres://u@h:5432/db");
  assertEquals(normalizeDatabaseUrl("postgres://u@h/db"), "postgres://u@h/db");
});

const refusals: Array<[string, Record<string, string | undefined>, string]> = [
  ["missing JWT_SECRET", { JWT_SECRET: undefined }, "JWT_SECRET is required in production"],
  ["missing JWT_REFRESH_SECRET", { JWT_REFRESH_SECRET: undefined }, "JWT_REFRESH_SECRET is required in production"],
  ["short JWT_SECRET", { JWT_SECRET: "short" }, "JWT_SECRET must be at least 32 bytes"],
  ["short JWT_REFRESH_SECRET", { JWT_REFRESH_SECRET: "x".repeat(31) }, "JWT_REFRESH_SECRET must be at least 32 bytes"],
  ["equal secrets", { JWT_REFRESH_SECRET: "a".repeat(32) }, "JWT_SECRET and JWT_REFRESH_SECRET must differ"],
  ["CORS *", { CORS_ALLOWED_ORIGINS: "*" }, "CORS_ALLOWED_ORIGINS must list exact origins, not *"],
  [
    "CORS * with credentials",
    { CORS_ALLOWED_ORIGINS: "*", CORS_ALLOW_CREDENTIALS: "true" },
    "CORS_ALLOWED_ORIGINS must not be * when CORS_ALLOW_CREDENTIALS is true",
  ],
  ["DEBUG_MODE on", { DEBUG_MODE: "true" }, "DEBUG_MODE must be off in production"],
  ["missing DATABASE_URL", { DATABASE_URL: undefined }, "DATABASE_URL is required in production"],
  ["missing SMTP", { SMTP_SERVER: undefined }, "SMTP_SERVER is required in production"],
  ["low BCRYPT_COST", { BCRYPT_COST: "8" }, "BCRYPT_COST must be at least 10 in production"],
  [
    "short HEALTH_DETAILS_TOKEN",
    { HEALTH_DETAILS_TOKEN: "x".repeat(31) },
    "HEALTH_DETAILS_TOKEN must be at least 32 bytes",
  ],
];

for (const [name, change, line] of refusals) {
  Deno.test(`loadConfig in production refuses ${name} with one clear line`, () => {
    const env = { ...SAFE_PRODUCTION, ...change } as Record<string, string>;
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete env[key];
    assertEquals(problemsOf(env), [line]);
  });
}

Deno.test("loadConfig in production lists every problem at once", () => {
  const problems = problemsOf({ ENVIRONMENT: "production", CORS_ALLOWED_ORIGINS: "*", DEBUG_MODE: "1" });
  assert(problems.length >= 6, problems.join("\n"));
  for (const problem of problems) assert(!problem.includes("\n") && !problem.includes("    at "));
});

Deno.test("loadConfig in development warns once per unsafe default and falls back", () => {
  const { config, warnings } = loadConfig({ CORS_ALLOWED_ORIGINS: "*" });
  assertEquals(config.environment, "development");
  assertEquals(config.database.url, undefined);
  assertEquals(config.smtp, undefined);
  assertEquals(config.cors.origins, []);
  assert(config.jwt.accessSecret.length >= 32 && config.jwt.accessSecret !== config.jwt.refreshSecret);
  assertEquals(warnings.length, 7, warnings.join("\n"));
  assertEquals(new Set(warnings).size, warnings.length);
  for (
    const fragment of [
      "JWT_SECRET",
      "JWT_REFRESH_SECRET",
      "HMAC_SECRET",
      "DATABASE_URL",
      "SMTP_SERVER",
      "REDIS_URL",
      "CORS",
    ]
  ) {
    assert(warnings.some((w) => w.startsWith(fragment)), `no warning for ${fragment}`);
  }
});

Deno.test("loadConfig reads defaults and per-tier overrides", () => {
  const { config } = loadConfig({
    RATE_LIMIT_AUTH_PER_MINUTE: "7",
    RATE_LIMIT_SENSITIVE_PER_MINUTE: "4",
    PORT: "9001",
  });
  assertEquals(config.port, 9001);
  assertEquals(config.bcryptCost, 12);
  assertEquals(config.jwt.accessTtlSeconds, 900);
  assertEquals(config.jwt.refreshTtlSeconds, 2_592_000);
  assertEquals(config.otpTtlMinutes, 15);
  assertEquals(config.sessionMaxLifetimeSeconds, 7_776_000);
  assertEquals(config.securityEventRetentionDays, 365);
  assertEquals(config.healthDetailsToken, undefined);
  assertEquals(config.accountDeletionGraceDays, 7);
  assertEquals(config.pwnedPasswordsFile, undefined);
  assertEquals(config.rateLimit.perMinute, {
    auth: 7,
    email_verification: 3,
    public: 100,
    general: 60,
    voice: 10,
    security_test: 2,
    admin: 600,
    sensitive: 4,
  });
});

Deno.test("loadConfig rejects malformed numbers with the variable name", () => {
  const problems = problemsOf({ PORT: "eighty" });
  assertEquals(problems.length, 1);
  assert(problems[0].startsWith("PORT:"));
});
