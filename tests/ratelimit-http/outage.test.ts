import { assert, assertEquals } from "../helpers/assert.ts";
import { type TestApp } from "../helpers/app.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { resolveTestRedis, withRedisClient } from "../helpers/redis.ts";
import { createProbeApp } from "./_helpers.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { skipWithout } from "../helpers/installed.ts";
import { until } from "../helpers/until.ts";

// These tests kill and pause a redis-server of their own, never the shared one; they
// run whenever a real Redis is configured for the suite and redis-server is installed.
const redisUrl = await resolveTestRedis();
const database = redisUrl ? await createTestDatabase() : undefined;
const TIMEOUT_MS = 250;
const ENV = { RATE_LIMIT_TIMEOUT_MS: String(TIMEOUT_MS), RATE_LIMIT_SECURITY_TEST_PER_MINUTE: "1000" };

/** GET /security-test: its status, the store that counted it, and how long it took. */
async function smokeTest(t: TestApp) {
  const started = performance.now();
  const response = await t.request("/security-test");
  const ms = performance.now() - started;
  const body = await response.json();
  return { status: response.status, store: body.store as string, ms, headers: response.headers };
}

async function storeCheck(t: TestApp) {
  const response = await t.request("/health");
  return (await response.json()).checks.rate_limit_store;
}

Deno.test({
  name: "outage: Redis killed mid-run → no 5xx, limits from memory, /health degraded; restarted → Redis again",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const server = await startRedisServer();
    const t = await createProbeApp({ database, rateLimitRedisUrl: server.url, env: ENV });
    try {
      assertEquals((await smokeTest(t)).store, "redis");
      const up = await storeCheck(t);
      assertEquals([up.status, up.detail], ["up", "redis"]);

      // Reaching Redis at start-up may already have logged a fall-back and a recovery
      const linesBefore = t.logger.lines.length;
      await server.stop();
      for (let i = 0; i < 5; i++) {
        const { status, store, ms, headers } = await smokeTest(t);
        assertEquals([status, store], [200, "memory"], `request ${i} during the outage`);
        assert(ms < TIMEOUT_MS + 1000, `request ${i} took ${ms} ms`);
        assert(headers.get("ratelimit") !== null, "memory results are real counts and keep their headers");
      }
      const down = await storeCheck(t);
      assertEquals([down.status, down.detail], ["degraded", "memory (redis unreachable)"]);
      const health = await (await t.request("/health")).json();
      assertEquals(health.status, "degraded");
      assert(!JSON.stringify(health).includes(String(server.port)), "no URL or port in /health");

      await server.start();
      await until(async () => (await smokeTest(t)).store === "redis", {
        timeout: 15_000,
        interval: 100,
        what: "the limiter back on Redis",
      });
      assertEquals((await storeCheck(t)).status, "up");
      const levels = t.logger.lines.slice(linesBefore).filter((line) => /Rate limit store/.test(String(line.message)));
      assertEquals(levels.map((line) => line.level), ["warn", "info"], "one line down, one line back");
    } finally {
      await t.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "outage: requests finish within the timeout while Redis is paused by CLIENT PAUSE",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const server = await startRedisServer();
    const t = await createProbeApp({ database, rateLimitRedisUrl: server.url, env: ENV });
    try {
      assertEquals((await smokeTest(t)).store, "redis");
      await withRedisClient(server.url, (client) => client.sendCommand(["CLIENT", "PAUSE", "3000", "ALL"]));
      const pausedAt = performance.now();
      // Spreads the requests over 2 s of the pause, which runs on the server's own clock; the
      // app keeps the system clock because request times in real ms are what this measures
      await until(async () => {
        const { status, store, ms } = await smokeTest(t);
        assertEquals([status, store], [200, "memory"]);
        assert(ms < TIMEOUT_MS + 1000, `a request took ${ms} ms`);
        return performance.now() - pausedAt >= 2000;
      }, { interval: 100, what: "2 s of requests during the pause" });
      const started = performance.now();
      assertEquals((await storeCheck(t)).status, "degraded");
      assert(performance.now() - started < TIMEOUT_MS + 2500, "/health waited on the paused store");
      await until(async () => (await smokeTest(t)).store === "redis", {
        timeout: 15_000,
        interval: 100,
        what: "the limiter back on Redis",
      });
    } finally {
      await t.close();
      await server.stop();
    }
  },
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await database?.close();
});
