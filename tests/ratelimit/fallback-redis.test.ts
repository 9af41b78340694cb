import { assert, assertEquals } from "../helpers/assert.ts";
import { until } from "../helpers/until.ts";
import { systemClock } from "../../src/clock.ts";
import { createRateLimiter } from "../../src/ratelimit/create-limiter.ts";
import type { RateLimiter } from "../../src/ratelimit/types.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { resolveTestRedis, withRedisClient } from "../helpers/redis.ts";
import { recordingLog, uniquePrefix } from "./_helpers.ts";
import { skipWithout } from "../helpers/installed.ts";

// These tests kill and pause a redis-server of their own, never the shared one; they
// run whenever a real Redis is configured for the suite and redis-server is installed.
// The limiter runs on the system clock here: what they check is how long real calls take
// against a real server that is down or paused on its own clock (fallback.test.ts drives
// the same timeouts and probes with a ManualClock).
const redisUrl = await resolveTestRedis();
const TIMEOUT_MS = 250;
const HOURLY = { limit: 100, windowSeconds: 3600 };

async function timedLimit(limiter: RateLimiter, key: string) {
  const started = performance.now();
  const result = await limiter.limit("tier:auth", key, HOURLY);
  return { result, ms: performance.now() - started };
}

/**
 * Log levels, leaving out the connection's own report of replacing a stuck client: a
 * restart or a pause can catch node-redis mid-handshake, and that is how it recovers.
 */
function levelsBesidesReplacements(entries: { level: string; message: string }[]): string[] {
  return entries.filter((e) => e.message !== "Redis connection stuck; starting a new one").map((e) => e.level);
}

async function storeIsRedis(limiter: RateLimiter): Promise<boolean> {
  return (await limiter.limit("tier:auth", "probe", HOURLY)).store === "redis";
}

Deno.test({
  name: "limiter keeps answering from memory while Redis is killed, and recovers when it restarts",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const server = await startRedisServer();
    const { log, entries } = recordingLog();
    const limiter = createRateLimiter({
      redisUrl: server.url,
      timeoutMs: TIMEOUT_MS,
      clock: systemClock,
      prefix: uniquePrefix(),
      log,
    });
    try {
      await until(() => storeIsRedis(limiter), { timeout: 5000, interval: 100, what: "the limiter reaching Redis" });
      // Calls made while the first connection was still being set up fell back too.
      entries.length = 0;
      const before = await timedLimit(limiter, "u1");
      assertEquals(before.result.store, "redis");

      await server.stop();
      for (let i = 0; i < 5; i++) {
        const { result, ms } = await timedLimit(limiter, "u1");
        assertEquals(result.store, "memory");
        assert(ms < TIMEOUT_MS + 500, `call ${i} took ${ms} ms`);
      }
      const health = await limiter.health();
      assertEquals([health.store, health.configured, health.status], [
        "memory",
        "redis",
        "degraded",
      ]);

      await server.start();
      // Same limiter: node-redis reconnects and the next probe brings Redis back.
      await until(() => storeIsRedis(limiter), { timeout: 30_000, interval: 100, what: "the limiter back on Redis" });
      assertEquals((await limiter.health()).status, "up");
      // Redis restarted empty, so its scripts were loaded again on the way.
      assertEquals((await timedLimit(limiter, "u2")).result.store, "redis");
      assertEquals(levelsBesidesReplacements(entries), ["warn", "info"]);
    } finally {
      await limiter.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "limiter calls resolve within the timeout while Redis is paused by CLIENT PAUSE",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const server = await startRedisServer();
    const { log, entries } = recordingLog();
    const limiter = createRateLimiter({
      redisUrl: server.url,
      timeoutMs: TIMEOUT_MS,
      clock: systemClock,
      prefix: uniquePrefix(),
      log,
    });
    try {
      await until(() => storeIsRedis(limiter), { timeout: 5000, interval: 100, what: "the limiter reaching Redis" });
      // Calls made while the first connection was still being set up fell back too.
      entries.length = 0;
      await withRedisClient(
        server.url,
        (client) => client.sendCommand(["CLIENT", "PAUSE", "3000", "ALL"]),
      );
      const pausedAt = performance.now();
      const timings: number[] = [];
      // Spreads the calls over 2 s of the pause, which runs on the server's own clock
      await until(async () => {
        const { result, ms } = await timedLimit(limiter, "u1");
        assertEquals(result.store, "memory");
        timings.push(ms);
        return performance.now() - pausedAt >= 2000;
      }, { interval: 100, what: "2 s of calls during the pause" });
      assert(timings.every((ms) => ms < TIMEOUT_MS + 500), `slow calls: ${timings.join(", ")}`);
      const health = await limiter.health();
      assertEquals(health.status, "degraded");
      assert(health.latency_ms < TIMEOUT_MS + 500);

      await until(() => storeIsRedis(limiter), {
        timeout: 30_000,
        interval: 100,
        what: "the limiter back on Redis after the pause",
      });
      assertEquals(levelsBesidesReplacements(entries), ["warn", "info"]);
    } finally {
      await limiter.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "limiter starts without waiting for an unreachable Redis and limits from memory",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const server = await startRedisServer();
    await server.stop();
    const { log } = recordingLog();
    const limiter = createRateLimiter({
      redisUrl: server.url,
      timeoutMs: TIMEOUT_MS,
      clock: systemClock,
      prefix: uniquePrefix(),
      log,
    });
    try {
      const { result, ms } = await timedLimit(limiter, "u1");
      assertEquals(result.store, "memory");
      assert(ms < TIMEOUT_MS + 500, `took ${ms} ms`);
      await server.start();
      await until(() => storeIsRedis(limiter), {
        timeout: 30_000,
        interval: 100,
        what: "the limiter connecting once Redis came up",
      });
    } finally {
      await limiter.close();
      await server.stop();
    }
  },
});
