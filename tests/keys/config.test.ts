/** The signing-key variables: rotation secrets, HMAC_SECRET, JWT_SIGNING_ALG, KEY_ENCRYPTION_KEY, the reuse grace. */
import { ConfigError, loadConfig } from "../../src/config.ts";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";

const SAFE_PRODUCTION = {
  ENVIRONMENT: "production",
  JWT_SECRET: "a".repeat(32),
  JWT_REFRESH_SECRET: "b".repeat(32),
  CORS_ALLOWED_ORIGINS: "https://app.jessy-ai.com",
  DATABASE_URL: "postgres://user:pw@db.internal:5432/jessy",
  SMTP_SERVER: "smtp.example.com",
  APP_URL: "https://api.jessy-ai.com",
};
const KEK = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));

function problemsOf(env: Record<string, string>): string[] {
  return assertThrows(() => loadConfig(env), ConfigError).problems;
}

Deno.test("config: production refuses JWT_SECRET_PREVIOUS without HMAC_SECRET (it would kill pending codes and links)", () => {
  assertEquals(problemsOf({ ...SAFE_PRODUCTION, JWT_SECRET_PREVIOUS: "c".repeat(32) }), [
    "HMAC_SECRET is required once JWT_SECRET_PREVIOUS is set: pending codes and reset links are keyed from JWT_SECRET",
  ]);
  const { config } = loadConfig({
    ...SAFE_PRODUCTION,
    JWT_SECRET_PREVIOUS: "c".repeat(32),
    HMAC_SECRET: "d".repeat(32),
  });
  assertEquals(config.jwt.previousAccessSecret, "c".repeat(32));
  assertEquals(config.codeSecrets, { current: "d".repeat(32), previous: undefined });
});

Deno.test("config: development only warns about JWT_SECRET_PREVIOUS without HMAC_SECRET", () => {
  const { warnings } = loadConfig({ JWT_SECRET: "a".repeat(32), JWT_SECRET_PREVIOUS: "c".repeat(32) });
  assert(warnings.some((line) => line.startsWith("HMAC_SECRET is required once JWT_SECRET_PREVIOUS is set")));
});

Deno.test("config: without HMAC_SECRET, codes are keyed from JWT_SECRET as before", () => {
  const { config } = loadConfig({ ...SAFE_PRODUCTION });
  assertEquals(config.codeSecrets.current, SAFE_PRODUCTION.JWT_SECRET);
});

Deno.test("config: short rotation secrets and a lone HMAC_SECRET_PREVIOUS are refused in production", () => {
  assertEquals(problemsOf({ ...SAFE_PRODUCTION, JWT_REFRESH_SECRET_PREVIOUS: "short", HMAC_SECRET: "h".repeat(31) }), [
    "JWT_REFRESH_SECRET_PREVIOUS must be at least 32 bytes",
    "HMAC_SECRET must be at least 32 bytes",
  ]);
  assertEquals(problemsOf({ ...SAFE_PRODUCTION, HMAC_SECRET_PREVIOUS: "p".repeat(32) }), [
    "HMAC_SECRET_PREVIOUS is set without HMAC_SECRET",
  ]);
});

Deno.test("config: JWT_SIGNING_ALG=EdDSA|ES256 needs a 32-byte KEY_ENCRYPTION_KEY in production", () => {
  assertEquals(loadConfig(SAFE_PRODUCTION).config.jwt.signingAlg, "HS256");
  assertEquals(problemsOf({ ...SAFE_PRODUCTION, JWT_SIGNING_ALG: "EdDSA" }), [
    "KEY_ENCRYPTION_KEY is required with JWT_SIGNING_ALG=EdDSA",
  ]);
  assertEquals(problemsOf({ ...SAFE_PRODUCTION, JWT_SIGNING_ALG: "ES256", KEY_ENCRYPTION_KEY: "dG9vIHNob3J0" }), [
    "KEY_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)",
  ]);
  assert(problemsOf({ ...SAFE_PRODUCTION, JWT_SIGNING_ALG: "RS256" })[0].startsWith("JWT_SIGNING_ALG:"));
  const { config } = loadConfig({ ...SAFE_PRODUCTION, JWT_SIGNING_ALG: "ES256", KEY_ENCRYPTION_KEY: KEK });
  assertEquals([config.jwt.signingAlg, config.jwt.keyEncryptionKey], ["ES256", KEK]);
});

Deno.test("config: REFRESH_REUSE_GRACE_SECONDS is 10 by default, 0 turns it off, at most 60", () => {
  assertEquals(loadConfig({}).config.jwt.refreshReuseGraceSeconds, 10);
  assertEquals(loadConfig({ REFRESH_REUSE_GRACE_SECONDS: "0" }).config.jwt.refreshReuseGraceSeconds, 0);
  assert(problemsOf({ REFRESH_REUSE_GRACE_SECONDS: "61" })[0].startsWith("REFRESH_REUSE_GRACE_SECONDS:"));
});
