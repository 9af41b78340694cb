/** Test backends: real servers when TEST_DATABASE_URL / TEST_REDIS_URL are set, embedded otherwise. */
export const TEST_DATABASE_URL = Deno.env.get("TEST_DATABASE_URL") || undefined;
export const TEST_REDIS_URL = Deno.env.get("TEST_REDIS_URL") || undefined;
export const IN_CI = Deno.env.get("CI") === "true";

/** Secrets long enough for production checks, distinct from each other. */
export const TEST_SECRETS = {
  JWT_SECRET: "test-access-secret-0123456789abcdef0123456789",
  JWT_REFRESH_SECRET: "test-refresh-secret-fedcba9876543210fedcba98",
};

/** What production refuses to start without, pointing nowhere: apps built in-process never connect to them. */
export const PRODUCTION_ENV = {
  ENVIRONMENT: "production",
  DATABASE_URL: "postgres://unused.internal:5432/db",
  SMTP_SERVER: "smtp.internal",
  BCRYPT_COST: "10",
};
