/**
 * The liveness verdict from the pool's counters and two probes, on a ManualClock: a database that
 * is down never fails liveness; a pool that cannot reach a database that answers others does.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { ManualClock } from "../../src/clock.ts";
import { createLivenessMonitor } from "../../src/db/liveness.ts";
import type { PoolStats } from "../../src/db/postgres-pool.ts";

const BOUND_MS = 10_000;

function scenario(database: "down" | "up" | "silent") {
  const clock = new ManualClock();
  let stats: PoolStats = {
    size: 4,
    inUse: 0,
    waiting: 0,
    lastReturnMs: 0,
    failingSinceMs: undefined,
    lastFailureMs: undefined,
    discarded: 0,
    timedOut: 0,
    acquireTimedOut: 0,
  };
  const probes = { database: 0, pool: 0 };
  const failing = (sinceMs: number) =>
    stats = { ...stats, failingSinceMs: sinceMs, lastFailureMs: clock.monotonicMs() };
  const check = createLivenessMonitor({
    clock,
    stats: () => stats,
    stuckAfterMs: BOUND_MS,
    probeDatabase() {
      probes.database++;
      if (database === "silent") return new Promise(() => {});
      return database === "up" ? Promise.resolve() : Promise.reject(new Error("refused"));
    },
    probePool() {
      probes.pool++;
      // The pool is the wedged part: its statement fails too, a moment later
      clock.advance(5);
      failing(stats.failingSinceMs ?? 0);
      return Promise.reject(new Error("pool failed"));
    },
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    clock,
    check,
    probes,
    failing,
    settle,
    setStats: (next: Partial<PoolStats>) => stats = { ...stats, ...next },
  };
}

Deno.test("liveness: a database that is down never fails it, however long the pool has been failing", async () => {
  const { clock, check, probes, failing, settle } = scenario("down");
  failing(0);
  for (let second = 0; second < 60; second++) {
    clock.advance(1000);
    failing(0);
    assertEquals(check(), { live: true });
    await settle();
  }
  assert(probes.database >= 10 && probes.database <= 20, `probed every quarter bound: ${probes.database}`);
  assertEquals(probes.pool, 0, "the pool is not probed while the database itself is unreachable");
});

Deno.test("liveness: a pool that cannot reach a database that answers a connection of its own fails it", async () => {
  const { clock, check, probes, failing, settle, setStats } = scenario("up");
  failing(0);
  clock.advance(BOUND_MS);
  assertEquals(check(), { live: true }, "not before the bound");
  clock.advance(1);
  assertEquals(check(), { live: true }, "the first check past the bound only starts the probes");
  await settle();
  await settle();
  assertEquals(probes, { database: 1, pool: 1 });
  clock.advance(1);
  assertEquals(check(), { live: false, reason: "no_connection" });
  setStats({ failingSinceMs: undefined });
  assertEquals(check(), { live: true }, "alive again once a statement gets through");
});

Deno.test("liveness: the check answers at once while its probe hangs on a silent database", () => {
  const { clock, check, probes, failing } = scenario("silent");
  failing(0);
  clock.advance(BOUND_MS + 1);
  for (let i = 0; i < 100; i++) {
    assertEquals(check(), { live: true });
    clock.advance(1000);
  }
  assertEquals(probes.database, 1, "one probe at a time");
});
