/**
 * Whether the instance can still serve from its database, for `/health/live`. A database that is
 * down is not the instance's fault (readiness reports it, and restarting every instance during
 * an outage only adds a storm); a pool that is wedged is, and a restart cures it.
 * @module
 */
import type { Clock } from "../clock.ts";
import type { PoolStats } from "./postgres-pool.ts";

export type Liveness =
  | { readonly live: true }
  | { readonly live: false; readonly reason: "pool_exhausted" | "no_connection" };

export interface LivenessOptions {
  clock: Clock;
  stats(): PoolStats;
  /** How long the pool may stay exhausted, or fail to reach the database, before the instance is dead */
  stuckAfterMs: number;
  /** Reaches the database on a connection of its own, outside the pool; rejects when it cannot */
  probeDatabase(): Promise<void>;
  /** Runs one statement through the pool; rejects when it cannot */
  probePool(): Promise<void>;
}

const ALIVE: Liveness = { live: true };

/**
 * Answers from counters at once, so a liveness probe never waits on the database:
 * - `pool_exhausted`: every slot has been taken and none came back for `stuckAfterMs`;
 * - `no_connection`: the pool has failed to reach the database for `stuckAfterMs`, a connection
 *   of its own reached it, and the pool failed again after that.
 * While the pool fails, a background check (one at a time, at most every `stuckAfterMs / 4`) opens
 * that separate connection, then sends one statement through the pool for the verdict.
 */
export function createLivenessMonitor(options: LivenessOptions): () => Liveness {
  const { clock, stuckAfterMs } = options;
  const probeEveryMs = stuckAfterMs / 4;
  let probing = false;
  let lastProbeMs = -Infinity;
  /** When a connection outside the pool last reached the database */
  let reachedMs: number | undefined;

  function probe(): void {
    probing = true;
    lastProbeMs = clock.monotonicMs();
    options.probeDatabase().then(
      async () => {
        reachedMs = clock.monotonicMs();
        await options.probePool().catch(() => {});
      },
      () => {
        reachedMs = undefined;
      },
    ).finally(() => probing = false);
  }

  return function check(): Liveness {
    const stats = options.stats();
    const nowMs = clock.monotonicMs();
    if (stats.inUse === stats.size && nowMs - stats.lastReturnMs > stuckAfterMs) {
      return { live: false, reason: "pool_exhausted" };
    }
    const failingSinceMs = stats.failingSinceMs;
    if (failingSinceMs === undefined || nowMs - failingSinceMs <= stuckAfterMs) return ALIVE;
    if (
      reachedMs !== undefined && reachedMs >= failingSinceMs && stats.lastFailureMs !== undefined &&
      stats.lastFailureMs > reachedMs
    ) {
      return { live: false, reason: "no_connection" };
    }
    if (!probing && nowMs - lastProbeMs >= probeEveryMs) probe();
    return ALIVE;
  };
}
