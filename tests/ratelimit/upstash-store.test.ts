import assert from "node:assert/strict";
import { systemClock } from "../../src/clock.ts";
import { createRateLimiter } from "../../src/ratelimit/create-limiter.ts";
import { createUpstashStore } from "../../src/ratelimit/upstash-store.ts";
import { recordingLog, resolveTestRedis, uniquePrefix } from "./_redis.ts";
import { startUpstashFake } from "./_upstash_fake.ts";

const redisUrl = await resolveTestRedis();
const HOURLY = { limit: 2, windowSeconds: 3600 };
const TOKEN = "test-token";

Deno.test({
  name: "upstash store limits through the REST protocol",
  ignore: !redisUrl,
  async fn() {
    const fake = await startUpstashFake(redisUrl!, TOKEN);
    const store = createUpstashStore({
      url: fake.url,
      token: TOKEN,
      prefix: uniquePrefix(),
    });
    try {
      await store.ping();
      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(
          await store.limit("signin-email", "a@example.com", HOURLY),
        );
      }
      assert.deepEqual(
        answers.map((a) => [a.success, a.remaining, a.limit, a.store]),
        [
          [true, 1, 2, "upstash"],
          [true, 0, 2, "upstash"],
          [false, 0, 2, "upstash"],
        ],
      );
      assert.equal(answers[2].reset % 3_600_000, 0);
    } finally {
      await store.close();
      await fake.close();
    }
  },
});

Deno.test({
  name: "upstash store fails on a wrong token, and the limiter then answers from memory",
  ignore: !redisUrl,
  async fn() {
    const fake = await startUpstashFake(redisUrl!, TOKEN);
    const store = createUpstashStore({
      url: fake.url,
      token: "wrong",
      prefix: uniquePrefix(),
    });
    const { log, entries } = recordingLog();
    const limiter = createRateLimiter({
      upstashUrl: fake.url,
      upstashToken: "wrong",
      redisUrl,
      timeoutMs: 1000,
      clock: systemClock,
      prefix: uniquePrefix(),
      log,
    });
    try {
      await assert.rejects(() => store.limit("b", "k", HOURLY), /Unauthorized/);
      await assert.rejects(() => store.ping(), /Unauthorized/);
      const result = await limiter.limit("b", "k", HOURLY);
      assert.equal(result.store, "memory");
      const health = await limiter.health();
      assert.deepEqual([health.store, health.configured, health.status], [
        "memory",
        "upstash",
        "degraded",
      ]);
      assert.deepEqual(entries.map((e) => e.level), ["warn"]);
    } finally {
      await Promise.all([store.close(), limiter.close()]);
      await fake.close();
    }
  },
});
