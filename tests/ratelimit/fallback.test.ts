import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { ManualClock } from "../../src/clock.ts";
import { createFallbackLimiter } from "../../src/ratelimit/fallback.ts";
import { createMemoryStore } from "../../src/ratelimit/memory-store.ts";
import type { LimiterStore, LimitResult } from "../../src/ratelimit/types.ts";
import { recordingLog } from "./_helpers.ts";

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
    refund: () => act(undefined),
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

/** Whether `promise` has settled once promise chains had a turn, without time moving. */
async function settled(clock: ManualClock, promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  await clock.tick();
  return done;
}

Deno.test("fallback answers from memory once the timeout passes while the remote store hangs", async () => {
  const remote = switchableStore();
  const { log, entries } = recordingLog();
  const clock = new ManualClock();
  const limiter = createFallbackLimiter({
    remote: remote.store,
    memory: createMemoryStore({ now: () => clock.now().getTime() }),
    timeoutMs: 100,
    clock,
    log,
  });
  try {
    remote.set("hanging");
    const first = limiter.limit("b", "k", RULE);
    await clock.tick(99);
    assertEquals(await settled(clock, first), false, "waits for the remote store up to the timeout");
    await clock.tick(1);
    assertEquals((await first).store, "memory");
    // Falling back, later calls go straight to memory: they answer without time moving
    const second = limiter.limit("b", "k", RULE);
    assert(await settled(clock, second), "answered without waiting on the remote store");
    assertEquals((await second).store, "memory");
    assertEquals((await second).remaining, 3);
    assertEquals(entries.map((e) => e.level), ["warn"]);
  } finally {
    await limiter.close();
  }
});

Deno.test("fallback probes the failed store one ping at a time and switches back when it answers", async () => {
  const remote = switchableStore();
  const { log, entries } = recordingLog();
  const clock = new ManualClock();
  const limiter = createFallbackLimiter({
    remote: remote.store,
    memory: createMemoryStore({ now: () => clock.now().getTime() }),
    timeoutMs: 100,
    probeIntervalMs: 50,
    maxProbeIntervalMs: 50,
    clock,
    log,
  });
  try {
    remote.set("hanging");
    const first = limiter.limit("b", "k", RULE);
    await clock.tick(100);
    assertEquals((await first).store, "memory");
    await limiter.limit("b", "k", RULE);
    assertEquals(remote.pings(), 0, "no probe before the backoff ends");
    await clock.tick(50);
    // Many requests while the probe hangs: still one ping in flight.
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => limiter.limit("b", "k2", RULE)),
    );
    assert(answers.every((a) => a.store === "memory"));
    assertEquals(remote.pings(), 1);
    // /health joins the probe in flight, which gives up after the timeout
    const degradedHealth = limiter.health();
    await clock.tick(100);
    const degraded = await degradedHealth;
    assertEquals([degraded.store, degraded.configured, degraded.status], [
      "memory",
      "redis",
      "degraded",
    ]);
    assertEquals(remote.pings(), 1);

    remote.set("up");
    await limiter.limit("b", "k", RULE);
    assertEquals(remote.pings(), 1, "the next probe waits out the backoff");
    await clock.tick(50);
    await limiter.limit("b", "k", RULE); // starts the probe, answered from memory
    assertEquals(remote.pings(), 2);
    await clock.tick(1);
    assertEquals((await limiter.limit("b", "k", RULE)).store, "redis");
    assertEquals((await limiter.health()).status, "up");
    assertEquals(entries.map((e) => e.level), ["warn", "info"]);
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
    clock: new ManualClock(),
    log: () => {},
  });
  try {
    remote.set("failing");
    const result = await limiter.limit("b", "k", RULE);
    assertEquals(result.store, "memory");
    assertEquals((await limiter.health()).status, "degraded");
    // A bad rule is still a programming error.
    await assertRejects(() => limiter.limit("b", "k", { limit: -1, windowSeconds: 1 }), RangeError);
  } finally {
    await limiter.close();
  }
});
