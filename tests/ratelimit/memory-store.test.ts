import { assertEquals, assertRejects } from "../helpers/assert.ts";
import { ManualClock } from "../../src/clock.ts";
import { createRateLimiter } from "../../src/ratelimit/create-limiter.ts";
import { createMemoryStore } from "../../src/ratelimit/memory-store.ts";

function manualClock(start: number) {
  let time = start;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

const RULE = { limit: 3, windowSeconds: 10 };

Deno.test("memory store allows `limit` requests per window, then denies with remaining 0 and reset at the window end", async () => {
  const clock = manualClock(1_000_000_000_000);
  const store = createMemoryStore({ now: clock.now });
  const remaining = [];
  for (let i = 0; i < 3; i++) {
    const result = await store.limit("signin", "1.2.3.4", RULE);
    assertEquals(result.success, true);
    remaining.push(result.remaining);
  }
  assertEquals(remaining, [2, 1, 0]);
  const denied = await store.limit("signin", "1.2.3.4", RULE);
  assertEquals(denied, {
    success: false,
    limit: 3,
    remaining: 0,
    reset: 1_000_000_010_000,
    store: "memory",
  });
});

Deno.test("memory store weighs the previous window as the sliding window does", async () => {
  const clock = manualClock(1_000_000_000_000);
  const store = createMemoryStore({ now: clock.now });
  for (let i = 0; i < 3; i++) await store.limit("b", "k", RULE);
  // 2.5 s into the next window: floor(0.75 * 3) = 2 of the previous 3 still count.
  clock.advance(12_500);
  const first = await store.limit("b", "k", RULE);
  assertEquals(first.success, true);
  assertEquals(first.remaining, 0);
  assertEquals(first.reset, 1_000_000_020_000);
  assertEquals((await store.limit("b", "k", RULE)).success, false);
  // Two windows later nothing counts any more.
  clock.advance(20_000);
  assertEquals((await store.limit("b", "k", RULE)).remaining, 2);
});

Deno.test("memory store keeps buckets and subjects apart, including subjects with colons", async () => {
  const store = createMemoryStore({ now: () => 1_000_000_000_000 });
  const rule = { limit: 1, windowSeconds: 60 };
  assertEquals((await store.limit("a", "b:c", rule)).success, true);
  assertEquals((await store.limit("a:b", "c", rule)).success, true);
  assertEquals((await store.limit("other", "b:c", rule)).success, true);
  assertEquals((await store.limit("a", "b:c", rule)).success, false);
});

Deno.test("memory store forgets subjects whose windows expired and caps how many it tracks", async () => {
  const clock = manualClock(1_000_000_000_000);
  const store = createMemoryStore({
    now: clock.now,
    maxEntries: 2,
    sweepIntervalMs: 1000,
  });
  const rule = { limit: 1, windowSeconds: 1 };
  await store.limit("b", "one", rule);
  await store.limit("b", "two", rule);
  await store.limit("b", "three", rule); // evicts "one", the least recently used
  assertEquals((await store.limit("b", "one", rule)).success, true);
  assertEquals((await store.limit("b", "three", rule)).success, false);
  assertEquals(store.size(), 2);
  // Past two windows and the sweep interval, the next call sweeps both out.
  clock.advance(2_500);
  await store.limit("b", "four", rule);
  assertEquals(store.size(), 1);
});

Deno.test("memory store rejects rules that cannot work", async () => {
  const store = createMemoryStore();
  await assertRejects(async () => await store.limit("b", "k", { limit: 0, windowSeconds: 1 }), RangeError);
  await assertRejects(async () => await store.limit("b", "k", { limit: 1, windowSeconds: 0 }), RangeError);
});

Deno.test("createRateLimiter without Redis settings limits from memory and reports healthy", async () => {
  const clock = new ManualClock(1_000_000_000_000);
  const limiter = createRateLimiter({
    timeoutMs: 250,
    clock,
    log: () => {},
  });
  try {
    const result = await limiter.limit("tier:auth", "u1", {
      limit: 1,
      windowSeconds: 60,
    });
    assertEquals(result.store, "memory");
    assertEquals(
      (await limiter.limit("tier:auth", "u1", { limit: 1, windowSeconds: 60 }))
        .success,
      false,
    );
    clock.advance(120_000);
    assertEquals(
      (await limiter.limit("tier:auth", "u1", { limit: 1, windowSeconds: 60 }))
        .success,
      true,
    );
    assertEquals(await limiter.health(), {
      store: "memory",
      configured: "memory",
      status: "up",
      latency_ms: 0,
    });
  } finally {
    await limiter.close();
  }
});
