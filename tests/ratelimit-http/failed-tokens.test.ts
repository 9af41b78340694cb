/**
 * Failed bearer checks count against the client address, so nobody probes tokens at full
 * speed: past the `general` tier's number per minute, failures are 429 with the usual headers.
 */
import { ManualClock } from "../../src/clock.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer } from "../helpers/http.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

const LIMIT = 5;
const ATTACKER = "203.0.113.7";
const NEIGHBOUR = "203.0.113.8";

Deno.test("failed token checks per client address end in 429 with Retry-After; valid tokens and other addresses pass", async () => {
  const clock = new ManualClock(new Date("2026-11-29T10:00:05Z"));
  const app = await createTestApp({
    clock,
    env: { RATE_LIMIT_GENERAL_PER_MINUTE: String(LIMIT), RATE_LIMIT_AUTH_PER_MINUTE: "1000" },
  });
  try {
    const pair = await newSession(app, await insertedUser(app.database.db, "prober-victim"));
    const probe = (init: RequestInit, ip = ATTACKER) => app.request("/auth/me", init, ip);
    const attempts = [bearer("not.a.token"), {}, bearer(pair.access_token.slice(0, -4) + "AAAA")];

    for (let i = 0; i < LIMIT; i++) {
      const response = await probe(attempts[i % attempts.length]);
      assertEquals(response.status, 401, `failure ${i + 1}`);
      assertEquals(response.headers.get("RateLimit-Policy"), `"invalid_token";q=${LIMIT};w=60`);
      await response.body?.cancel();
    }
    const limited = await probe(bearer("still.not.a-token"));
    assertEquals(limited.status, 429);
    const body = await limited.json();
    assertEquals(body.code, "rate_limited");
    assert(Number(limited.headers.get("Retry-After")) >= 1, "Retry-After");
    assertEquals(limited.headers.get("X-RateLimit-Remaining"), "0");

    const valid = await probe(bearer(pair.access_token));
    assertEquals(valid.status, 200, "a valid token from the same address is not held back");
    await valid.body?.cancel();
    const neighbour = await probe(bearer("not.a.token"), NEIGHBOUR);
    assertEquals(neighbour.status, 401, "another address has its own count");
    await neighbour.body?.cancel();

    clock.advance(61_000);
    const later = await probe(bearer("not.a.token"));
    assertEquals(later.status, 401, "the window slides on");
    await later.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("the spec states the failed-token policy on every bearer and admin-key operation", async () => {
  const spec = JSON.parse(await Deno.readTextFile(new URL("../../openapi/openapi.json", import.meta.url)));
  let bearerOperations = 0;
  for (const item of Object.values(spec.paths) as Record<string, Record<string, unknown>>[]) {
    for (const operation of Object.values(item) as Record<string, unknown>[]) {
      const security = (operation.security ?? []) as Record<string, unknown>[];
      // Admin API keys are checked like access tokens: a failed check counts against the address
      const bearerRoute = security.some((requirement) => "bearerAuth" in requirement || "adminApiKey" in requirement);
      const extension = operation["x-rate-limit"] as Record<string, unknown> | undefined;
      if (!bearerRoute) {
        assertEquals(extension?.failed_token_limit, undefined);
        continue;
      }
      bearerOperations++;
      assertEquals(extension?.failed_token_limit, { limit: 60, window_seconds: 60, key: "ip" });
    }
  }
  assert(bearerOperations >= 6, `${bearerOperations} bearer operations`);
});
