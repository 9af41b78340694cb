import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";

const PRODUCTION = {
  ENVIRONMENT: "production",
  JWT_SECRET: "a".repeat(32),
  JWT_REFRESH_SECRET: "b".repeat(32),
  DATABASE_URL: "postgres://user:pw@db.internal:5432/jessy",
  SMTP_SERVER: "smtp.example.com",
  APP_URL: "https://api.jessy-ai.com",
};

function problemsOf(env: Record<string, string>): string[] {
  return assertThrows(() => loadConfig(env), ConfigError).problems;
}

Deno.test("WEBAUTHN_*: the relying party defaults to APP_URL's host and the origins of APP_URL and ACCOUNT_PAGES_URL on it", () => {
  const { relyingParty } = loadConfig({ ...PRODUCTION, WEBAUTHN_RP_ID: "jessy-ai.com" }).config;
  assertEquals(relyingParty.id, "jessy-ai.com");
  assertEquals(relyingParty.name, "Jessy AI");
  assertEquals(relyingParty.origins, ["https://api.jessy-ai.com"]);
  const withPages = loadConfig({
    ...PRODUCTION,
    ACCOUNT_PAGES_URL: "https://app.jessy-ai.com/account-base",
    WEBAUTHN_RP_ID: "jessy-ai.com",
    WEBAUTHN_RP_NAME: "Jessy",
  }).config.relyingParty;
  assertEquals(withPages.origins, ["https://api.jessy-ai.com", "https://app.jessy-ai.com"]);
  assertEquals(withPages.name, "Jessy");
  // Unset, the RP id is APP_URL's host; account pages on another host are left out rather than refused
  const defaults = loadConfig({ ...PRODUCTION, ACCOUNT_PAGES_URL: "https://app.jessy-ai.com" }).config.relyingParty;
  assertEquals([defaults.id, defaults.origins], ["api.jessy-ai.com", ["https://api.jessy-ai.com"]]);
  assertEquals(problemsOf({ ...PRODUCTION, WEBAUTHN_RP_ID: "example.com" }), [
    "WEBAUTHN_RP_ID example.com must be the host or a parent domain of every origin in WEBAUTHN_ORIGINS",
  ]);
});

Deno.test("WEBAUTHN_ORIGINS lists web origins and android:apk-key-hash origins; production refuses an RP id that is not a parent of every web origin, in one line", () => {
  const android = "android:apk-key-hash:IE7LaJE6dR5CSkLXjlJwpE0v1ESiV2JmSCdl8fnjmPA";
  const { relyingParty } = loadConfig({
    ...PRODUCTION,
    WEBAUTHN_RP_ID: "jessy-ai.com",
    WEBAUTHN_ORIGINS: `https://app.jessy-ai.com, ${android}`,
  }).config;
  assertEquals(relyingParty.origins, ["https://app.jessy-ai.com", android]);
  assertEquals(problemsOf({ ...PRODUCTION, WEBAUTHN_ORIGINS: "https://app.example.com" }), [
    "WEBAUTHN_RP_ID api.jessy-ai.com must be the host or a parent domain of every origin in WEBAUTHN_ORIGINS",
  ]);
  // A suffix of the host is not enough: it must be a parent domain
  assertEquals(problemsOf({ ...PRODUCTION, WEBAUTHN_RP_ID: "ai.com", WEBAUTHN_ORIGINS: "https://jessy-ai.com" }), [
    "WEBAUTHN_RP_ID ai.com must be the host or a parent domain of every origin in WEBAUTHN_ORIGINS",
  ]);
  assertEquals(problemsOf({ ...PRODUCTION, WEBAUTHN_ORIGINS: "https://api.jessy-ai.com/path" }), [
    "WEBAUTHN_ORIGINS: https://api.jessy-ai.com/path must be a bare origin such as https://api.jessy-ai.com",
  ]);
  assertEquals(problemsOf({ ...PRODUCTION, WEBAUTHN_ORIGINS: "not an origin" }), [
    "WEBAUTHN_ORIGINS: not an origin is neither a web origin nor android:apk-key-hash:…",
  ]);
  // Development lets a mismatch through (ceremonies then fail): local set-ups vary
  const dev = loadConfig({ WEBAUTHN_RP_ID: "example.com" }).config.relyingParty;
  assertEquals(dev.id, "example.com");
});
