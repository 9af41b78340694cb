import assert from "node:assert/strict";
import { createFallbackLimiter } from "../../src/ratelimit/fallback.ts";
import { createMemoryStore } from "../../src/ratelimit/memory-store.ts";
import type { LimiterStore, LimitResult } from "../../src/ratelimit/types.ts";
import { recordingLog } from "./_redis.ts";

const RULE = { limit: 5, windowSeconds: 60 };

/** A remote store whose server can be made to answer, fail fast, or hang. */
function switchableStore() {
  let mode: "up" | "failing" | "hanging" = "up";
  let pings = 0;
  function act<T>(value: T): Promise<T> {
    if (mode === "failing") {
      return Promise.reject(new Error("connection refused"));
    }
    if (mode === "hanging") return new Promise<T>(() => {});
    return Promise.resolve(value);
  }
  const store: LimiterStore = {
    kind: "redis",
    limit: () =>
      act<LimitResult>({
        success: true,
        limit: 5,
        remaining: 4,
        reset: 0,
        store: "redis",
      }),
    ping: () => {
      pings += 1;
      return act(undefined);
    },
    close: () => Promise.resolve(),
  };
  return {
    store,
    set: (next: typeof mode) => void (mode = next),
    pings: () => pings,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

Deno.test("fallback answers from memory within the timeout while the remote store hangs", async () => {
  const remote = switchableStore();
  const { log, entries } = recordingLog();
  const limiter = createFallbackLimiter({
    remote: remote.store,
    memory: createMemoryStore(),
    timeoutMs: 100,
    log,
  });
  try {
    remote.set("hanging");
    const [first, elapsed] = await timed(() => limiter.limit("b", "k", RULE));
    assert.equal(first.store, "memory");
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    const [second, quick] = await timed(() => limiter.limit("b", "k", RULE));
    assert.equal(second.store, "memory");
    assert.equal(second.remaining, 3);
    assert.ok(quick < 50, `took ${quick} ms`);
    assert.deepEqual(entries.map((e) => e.level), ["warn"]);
  } finally {
    await limiter.close();
  }
});

Deno.test("fallback probes the failed store one ping at a time and switches back when it answers", async () => {
  const remote = switchableStore();
  const { log, entries } = recordingLog();
  const limiter = createFallbackLimiter({
    remote: remote.store,
    memory: createMemoryStore(),
    timeoutMs: 100,
    probeIntervalMs: 50,
    maxProbeIntervalMs: 50,
    log,
  });
  try {
    remote.set("hanging");
    await limiter.limit("b", "k", RULE);
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Many requests while the probe hangs: still one ping in flight.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => limiter.limit("b", "k2", RULE)),
    );
    assert.ok(answers.every((a) => a.store === "memory"));
    assert.equal(remote.pings(), 1);
    const degraded = await limiter.health();
    assert.deepEqual([degraded.store, degraded.configured, degraded.status], [
      "memory",
      "redis",
      "degraded",
    ]);

    remote.set("up");
    await new Promise((resolve) => setTimeout(resolve, 60));
    await limiter.limit("b", "k", RULE); // starts the probe, answered from memory
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await limiter.limit("b", "k", RULE)).store, "redis");
    assert.equal((await limiter.health()).status, "up");
    assert.deepEqual(entries.map((e) => e.level), ["warn", "info"]);
  } finally {
    await limiter.close();
  }
});

Deno.test("fallback treats a thrown error like a timeout and never throws itself", async () => {
  const remote = switchableStore();
  const limiter = createFallbackLimiter({
    remote: remote.store,
    memory: createMemoryStore(),
    timeoutMs: 100,
    log: () => {},
  });
  try {
    remote.set("failing");
    const result = await limiter.limit("b", "k", RULE);
    assert.equal(result.store, "memory");
    assert.equal((await limiter.health()).status, "degraded");
    // A bad rule is still a programming error.
    await assert.rejects(
      () => limiter.limit("b", "k", { limit: -1, windowSeconds: 1 }),
      RangeError,
    );
  } finally {
    await limiter.close();
  }
});
