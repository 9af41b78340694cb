import assert from "node:assert/strict";
import { systemClock } from "../../src/clock.ts";
import { createRateLimiter } from "../../src/ratelimit/create-limiter.ts";
import type { RateLimiter } from "../../src/ratelimit/types.ts";
import { recordingLog, resolveTestRedis, uniquePrefix, waitFor, withRedisClient } from "./_redis.ts";
import { startRedisServer } from "./_redis_server.ts";
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
      assert.ok(
        await waitFor(() => storeIsRedis(limiter), 5000),
        "never reached Redis",
      );
      // Calls made while the first connection was still being set up fell back too.
      entries.length = 0;
      const before = await timedLimit(limiter, "u1");
      assert.equal(before.result.store, "redis");

      await server.stop();
      for (let i = 0; i < 5; i++) {
        const { result, ms } = await timedLimit(limiter, "u1");
        assert.equal(result.store, "memory");
        assert.ok(ms < TIMEOUT_MS + 500, `call ${i} took ${ms} ms`);
      }
      const health = await limiter.health();
      assert.deepEqual([health.store, health.configured, health.status], [
        "memory",
        "redis",
        "degraded",
      ]);

      await server.start();
      // Same limiter: node-redis reconnects and the next probe brings Redis back.
      assert.ok(
        await waitFor(() => storeIsRedis(limiter), 30_000),
        "did not recover",
      );
      assert.equal((await limiter.health()).status, "up");
      // Redis restarted empty, so its scripts were loaded again on the way.
      assert.equal((await timedLimit(limiter, "u2")).result.store, "redis");
      assert.deepEqual(levelsBesidesReplacements(entries), ["warn", "info"]);
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
      assert.ok(
        await waitFor(() => storeIsRedis(limiter), 5000),
        "never reached Redis",
      );
      // Calls made while the first connection was still being set up fell back too.
      entries.length = 0;
      await withRedisClient(
        server.url,
        (client) => client.sendCommand(["CLIENT", "PAUSE", "3000", "ALL"]),
      );
      const pausedAt = performance.now();
      const timings = [];
      while (performance.now() - pausedAt < 2000) {
        const { result, ms } = await timedLimit(limiter, "u1");
        assert.equal(result.store, "memory");
        timings.push(ms);
        // Spreads the calls over the pause, which runs on the server's own clock
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(
        timings.every((ms) => ms < TIMEOUT_MS + 500),
        `slow calls: ${timings.join(", ")}`,
      );
      const health = await limiter.health();
      assert.equal(health.status, "degraded");
      assert.ok(health.latency_ms < TIMEOUT_MS + 500);

      assert.ok(
        await waitFor(() => storeIsRedis(limiter), 30_000),
        "did not recover after the pause",
      );
      assert.deepEqual(levelsBesidesReplacements(entries), ["warn", "info"]);
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
      assert.equal(result.store, "memory");
      assert.ok(ms < TIMEOUT_MS + 500, `took ${ms} ms`);
      await server.start();
      assert.ok(
        await waitFor(() => storeIsRedis(limiter), 30_000),
        "did not connect once Redis came up",
      );
    } finally {
      await limiter.close();
      await server.stop();
    }
  },
});
