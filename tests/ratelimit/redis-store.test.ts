import { assert, assertEquals } from "../helpers/assert.ts";
import { until } from "../helpers/until.ts";
import { systemClock } from "../../src/clock.ts";
import { createRateLimiter } from "../../src/ratelimit/create-limiter.ts";
import { createRedisStore } from "../../src/ratelimit/redis-store.ts";
import type { LimiterStore } from "../../src/ratelimit/types.ts";
import { resolveTestRedis } from "../helpers/redis.ts";
import { recordingLog, uniquePrefix } from "./_helpers.ts";

const redisUrl = await resolveTestRedis();
// An hour-long window: a count test never straddles a window boundary.
const HOURLY = { limit: 3, windowSeconds: 3600 };

async function connectedStore(prefix: string): Promise<LimiterStore> {
  const store = createRedisStore({
    url: redisUrl!,
    prefix,
    log: recordingLog().log,
  });
  const ready = await until(() => store.ping().then(() => true, () => false), { interval: 100 })
    .then(() => true, () => false);
  if (!ready) {
    await store.close();
    throw new Error("Redis store did not connect");
  }
  return store;
}

Deno.test({
  name: "redis store allows `limit` requests, then denies with remaining 0 and reset at the window end",
  ignore: !redisUrl,
  async fn() {
    const store = await connectedStore(uniquePrefix());
    try {
      const before = Date.now();
      const remaining = [];
      for (let i = 0; i < 3; i++) {
        const result = await store.limit("signin", "1.2.3.4", HOURLY);
        assertEquals(result.success, true);
        assertEquals(result.store, "redis");
        remaining.push(result.remaining);
      }
      assertEquals(remaining, [2, 1, 0]);
      const denied = await store.limit("signin", "1.2.3.4", HOURLY);
      assertEquals(denied.success, false);
      assertEquals(denied.remaining, 0);
      assertEquals(denied.limit, 3);
      assertEquals(denied.reset % 3_600_000, 0);
      assert(denied.reset > before && denied.reset <= Date.now() + 3_600_000);
      // Another subject is not affected.
      assertEquals((await store.limit("signin", "5.6.7.8", HOURLY)).success, true);
    } finally {
      await store.close();
    }
  },
});

Deno.test({
  name: "redis store lets requests through again once the window has passed",
  ignore: !redisUrl,
  async fn() {
    const store = await connectedStore(uniquePrefix());
    try {
      const rule = { limit: 2, windowSeconds: 1 };
      await store.limit("b", "k", rule);
      await store.limit("b", "k", rule);
      const denied = await store.limit("b", "k", rule);
      assertEquals(denied.success, false);
      // After the next full window the previous one no longer weighs. Real time: the windows
      // come from @upstash/ratelimit's own Date.now() and expire on Redis's clock, out of reach
      await new Promise((resolve) => setTimeout(resolve, denied.reset + 1000 - Date.now() + 20));
      const again = await store.limit("b", "k", rule);
      assertEquals(again.success, true);
      assertEquals(again.remaining, 1);
    } finally {
      await store.close();
    }
  },
});

Deno.test({
  name: "two limiters on one Redis share one limit",
  ignore: !redisUrl,
  async fn() {
    const prefix = uniquePrefix();
    const first = createRateLimiter({
      redisUrl,
      timeoutMs: 1000,
      clock: systemClock,
      prefix,
      log: () => {},
    });
    const second = createRateLimiter({
      redisUrl,
      timeoutMs: 1000,
      clock: systemClock,
      prefix,
      log: () => {},
    });
    try {
      await until(async () => (await first.health()).status === "up", { timeout: 5000, interval: 100 });
      await until(async () => (await second.health()).status === "up", { timeout: 5000, interval: 100 });
      const answers = [];
      for (const limiter of [first, second, first, second]) {
        answers.push(await limiter.limit("tier:auth", "u1", HOURLY));
      }
      assertEquals(answers.map((a) => [a.success, a.remaining, a.store]), [
        [true, 2, "redis"],
        [true, 1, "redis"],
        [true, 0, "redis"],
        [false, 0, "redis"],
      ]);
      const health = await first.health();
      assertEquals(health.store, "redis");
      assertEquals(health.configured, "redis");
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  },
});
