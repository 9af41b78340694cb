/** ACCOUNT_PAGES_URL: the base mailed links point at, and what production refuses. */
import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { PRODUCTION_ENV, TEST_SECRETS } from "../helpers/env.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";

const PRODUCTION = { ...PRODUCTION_ENV, ...TEST_SECRETS, APP_URL: "https://api.jessy-ai.com" };

function problemsOf(env: Record<string, string>): string[] {
  return assertThrows(() => loadConfig(env), ConfigError).problems;
}

Deno.test("config: without ACCOUNT_PAGES_URL mailed links go to the built-in pages on APP_URL", () => {
  assertEquals(loadConfig(PRODUCTION).config.accountPagesUrl, "https://api.jessy-ai.com");
  assertEquals(loadConfig({ ...PRODUCTION, ACCOUNT_PAGES_URL: "" }).config.accountPagesUrl, "https://api.jessy-ai.com");
});

Deno.test("config: ACCOUNT_PAGES_URL is a base, kept with its path and without a trailing slash", () => {
  const { config } = loadConfig({ ...PRODUCTION, ACCOUNT_PAGES_URL: "https://app.jessy-ai.com/web/" });
  assertEquals(config.accountPagesUrl, "https://app.jessy-ai.com/web");
  assertEquals(config.appUrl, "https://api.jessy-ai.com", "APP_URL stays the API's own URL");
});

Deno.test("config: production refuses an ACCOUNT_PAGES_URL over http with one line; development takes it", () => {
  assertEquals(problemsOf({ ...PRODUCTION, ACCOUNT_PAGES_URL: "http://app.jessy-ai.com" }), [
    "ACCOUNT_PAGES_URL must use https in production",
  ]);
  const { config } = loadConfig({ ...TEST_SECRETS, ACCOUNT_PAGES_URL: "http://localhost:3000" });
  assertEquals(config.accountPagesUrl, "http://localhost:3000");
});

Deno.test("config: ACCOUNT_PAGES_URL with a query or fragment, or not a URL, is refused", () => {
  for (const value of ["https://app.jessy-ai.com/?next=1", "https://app.jessy-ai.com/#x"]) {
    assertEquals(problemsOf({ ...PRODUCTION, ACCOUNT_PAGES_URL: value }), [
      "ACCOUNT_PAGES_URL must be a base URL without a query or fragment",
    ]);
  }
  assertEquals(problemsOf({ ...PRODUCTION, ACCOUNT_PAGES_URL: "javascript:alert(1)" }).length, 1);
});
