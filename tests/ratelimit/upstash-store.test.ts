import { assertEquals, assertMatch, assertRejects } from "../helpers/assert.ts";
import { systemClock } from "../../src/clock.ts";
import { createRateLimiter } from "../../src/ratelimit/create-limiter.ts";
import { createUpstashStore } from "../../src/ratelimit/upstash-store.ts";
import { resolveTestRedis } from "../helpers/redis.ts";
import { recordingLog, startUpstashFake, uniquePrefix } from "./_helpers.ts";

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
      assertEquals(answers.map((a) => [a.success, a.remaining, a.limit, a.store]), [
        [true, 1, 2, "upstash"],
        [true, 0, 2, "upstash"],
        [false, 0, 2, "upstash"],
      ]);
      assertEquals(answers[2].reset % 3_600_000, 0);
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
      assertMatch((await assertRejects(() => store.limit("b", "k", HOURLY))).message, /Unauthorized/);
      assertMatch((await assertRejects(() => store.ping())).message, /Unauthorized/);
      const result = await limiter.limit("b", "k", HOURLY);
      assertEquals(result.store, "memory");
      const health = await limiter.health();
      assertEquals([health.store, health.configured, health.status], [
        "memory",
        "upstash",
        "degraded",
      ]);
      assertEquals(entries.map((e) => e.level), ["warn"]);
    } finally {
      await Promise.all([store.close(), limiter.close()]);
      await fake.close();
    }
  },
});
