import { ManualClock } from "../../src/clock.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { jsonBody } from "../helpers/http.ts";
import { resolveTestRedis } from "../helpers/redis.ts";
import { asUser, createProbeApp, expectPasses, expectRateLimited, signin } from "./_helpers.ts";
import { createTestDatabase } from "../helpers/database.ts";

// On real Redis when TEST_REDIS_URL is set, on the memory store otherwise.
const redisUrl = await resolveTestRedis();
const database = await createTestDatabase();
const expectedStore = redisUrl ? "redis" : "memory";

Deno.test("GET /security-test: the security_test tier allows two requests a minute name the store, the third is a 429 with Retry-After", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    const first = await t.request("/security-test");
    assertEquals(first.status, 200);
    assertEquals(await first.json(), {
      message: "Rate limiting is active",
      store: expectedStore,
      limit: 2,
      remaining: 1,
    });
    assertEquals(first.headers.get("ratelimit-policy"), '"security_test";q=2;w=60');
    assertMatch(first.headers.get("ratelimit") ?? "", /^"security_test";r=1;t=(\d|[1-5]\d|60)$/);
    assertEquals(first.headers.get("x-ratelimit-limit"), "2");
    assertEquals(first.headers.get("x-ratelimit-remaining"), "1");
    const reset = Number(first.headers.get("x-ratelimit-reset"));
    assert(reset >= 0 && reset <= 60, `X-RateLimit-Reset ${reset}`);

    const second = await t.request("/security-test");
    assertEquals((await second.json()).remaining, 0);

    const third = await t.request("/security-test");
    const body = await expectRateLimited(third, "security_test");
    assert(body.retry_after <= 61, `retry_after ${body.retry_after}`);
    assertEquals(third.headers.get("ratelimit-policy"), '"security_test";q=2;w=60');

    const otherClient = await t.request("/security-test", undefined, "198.51.100.20");
    assertEquals(otherClient.status, 200, "another IP has its own quota");
    await otherClient.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("public tier: 100 requests a minute per IP across /health routes, then 429", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    const health = await t.request("/health");
    assertEquals(health.status, 200);
    assertEquals(health.headers.get("ratelimit-policy"), '"public";q=100;w=60');
    await health.body?.cancel();
    await expectPasses(() => t.request("/health/live"), 99, "liveness");
    await expectRateLimited(await t.request("/health/live"), "public");
    await expectRateLimited(await t.request("/health"), "public");
  } finally {
    await t.close();
  }
});

Deno.test("auth tier: five sign-ins a minute per IP, the sixth is a 429 listing both policies", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    const first = await t.request("/probe/signin", signin("ada@example.com"));
    assertEquals(await first.json(), { email: "ada@example.com" });
    assertEquals(first.headers.get("ratelimit-policy"), '"auth";q=5;w=60, "auth_email";q=10;w=900');
    assertMatch(first.headers.get("ratelimit") ?? "", /^"auth";r=4;t=\d+, "auth_email";r=9;t=\d+$/);
    assertEquals(first.headers.get("x-ratelimit-remaining"), "4", "the IP policy binds");
    // Different emails: the IP quota is what runs out
    await expectPasses((i) => t.request("/probe/signin", signin(`user${i}@example.com`)), 4, "sign-in");
    await expectRateLimited(await t.request("/probe/signin", signin("zed@example.com")), "auth");
    // Same tier, another route: the tier's quota is shared
    await expectRateLimited(await t.request("/probe/reset", jsonBody({ token: "x" })), "auth");
  } finally {
    await t.close();
  }
});

Deno.test("email_verification tier: three a minute per IP, the fourth is a 429", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    await expectPasses(() => t.request("/probe/verify", signin("eve@example.com")), 3, "verify");
    await expectRateLimited(await t.request("/probe/verify", signin("eve@example.com")), "email_verification");
  } finally {
    await t.close();
  }
});

Deno.test("general tier: 60 a minute per user, whatever the IP; another user on the same IP is unaffected", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    await expectPasses((i) => t.request("/probe/me", asUser("u1"), `192.0.2.${i + 1}`), 60, "me");
    const limited = await t.request("/probe/me", asUser("u1"), "192.0.2.200");
    await expectRateLimited(limited, "general");
    const other = await t.request("/probe/me", asUser("u2"), "192.0.2.1");
    assertEquals(other.status, 200);
    assertEquals(other.headers.get("ratelimit-policy"), '"general";q=60;w=60');
    assertEquals(other.headers.get("x-ratelimit-remaining"), "59");
    await other.body?.cancel();
  } finally {
    await t.close();
  }
});

Deno.test("tiers follow RATE_LIMIT_*_PER_MINUTE overrides, and voice stays configured but unattached", async () => {
  const t = await createProbeApp({
    database,
    rateLimitRedisUrl: redisUrl,
    env: { RATE_LIMIT_SECURITY_TEST_PER_MINUTE: "4", RATE_LIMIT_VOICE_PER_MINUTE: "12" },
  });
  try {
    await expectPasses(() => t.request("/security-test"), 4, "security test");
    await expectRateLimited(await t.request("/security-test"), "security_test");
    assertEquals(t.deps.config.rateLimit.perMinute.voice, 12);
    const spec = await (await t.request("/openapi.json", undefined, "198.51.100.99")).json();
    const tiers = Object.values<Record<string, { "x-rate-limit": { tier: string } }>>(spec.paths)
      .flatMap((item) => Object.values(item).map((operation) => operation["x-rate-limit"].tier));
    assert(tiers.includes("security_test") && !tiers.includes("voice"));
  } finally {
    await t.close();
  }
});

Deno.test("after the window a limited client is served again, exactly when Retry-After says", async () => {
  // Memory store on an injected clock: Redis keeps real time
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 20));
  const t = await createProbeApp({ database, clock });
  try {
    await expectPasses(() => t.request("/security-test"), 2);
    const limited = await t.request("/security-test");
    const { retry_after: retryAfter } = await expectRateLimited(limited, "security_test");
    assertEquals(retryAfter, 41, "the window ends at 12:01:00, so 12:01:01 is the first safe second");
    clock.advance((retryAfter - 1) * 1000);
    await expectRateLimited(await t.request("/security-test"), "security_test");
    clock.advance(1000);
    const again = await t.request("/security-test");
    assertEquals(again.status, 200);
    assertEquals((await again.json()).store, "memory");
  } finally {
    await t.close();
  }
});

Deno.test("exhausting the auth tier leaves /health, /security-test and bearer routes working", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    await expectPasses((i) => t.request("/probe/signin", signin(`flood${i}@example.com`)), 5, "sign-in");
    await expectRateLimited(await t.request("/probe/signin", signin("flood@example.com")), "auth");
    for (const [path, init] of [["/health", undefined], ["/security-test", undefined], ["/probe/me", asUser("u9")]]) {
      const response = await t.request(path as string, init as RequestInit | undefined);
      assertEquals(response.status, 200, path as string);
      await response.body?.cancel();
    }
  } finally {
    await t.close();
  }
});

Deno.test("limited routes keep their rate-limit headers on error responses, and the body is still validated", async () => {
  const t = await createProbeApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    const invalid = await t.request("/probe/signin", jsonBody({ password: "no email" }));
    assertEquals(invalid.status, 422);
    assertEquals((await invalid.json()).code, "validation_failed");
    assertEquals(invalid.headers.get("x-ratelimit-remaining"), "4");
    assertEquals(invalid.headers.get("ratelimit-policy"), '"auth";q=5;w=60', "no email, no per-email policy");

    const malformed = await t.request("/probe/signin", jsonBody('{"email":'));
    assertEquals(malformed.status, 400);
    assertEquals((await malformed.json()).code, "malformed_json");
    assertEquals(malformed.headers.get("x-ratelimit-remaining"), "3");

    const valid = await t.request("/probe/signin", signin("  Grace@Example.com "));
    assertEquals(await valid.json(), { email: "  Grace@Example.com " }, "the validator reads the untouched body");

    const noToken = await t.request("/probe/me");
    assertEquals(noToken.status, 401);
    await noToken.body?.cancel();
  } finally {
    await t.close();
  }
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await database.close();
});
