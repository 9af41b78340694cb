import { assertValidRule, encodeSubject } from "./rule.ts";
import type { LimiterStore, LimitResult, LimitRule } from "./types.ts";

/** Options for {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock in epoch ms; injected so tests can move time. */
  now?: () => number;
  /** Hard cap on tracked subjects; the least recently used are dropped beyond it. */
  maxEntries?: number;
  /** How often (by the injected clock) expired windows are swept out. */
  sweepIntervalMs?: number;
}

/** The memory store, which can also tell how many subjects it tracks. */
export interface MemoryStore extends LimiterStore {
  /** Subjects currently tracked, expired ones included until the next sweep. */
  size(): number;
}

interface Counter {
  windowMs: number;
  /** Index of the fixed window `current` belongs to: floor(now / windowMs). */
  window: number;
  current: number;
  previous: number;
}

/**
 * A process-local sliding-window limiter. It mirrors the single-region
 * `Ratelimit.slidingWindow` script of @upstash/ratelimit (same weighting of the
 * previous window, same remaining/reset), but reads time from an injected clock:
 * the library itself reads `Date.now()`, which tests cannot move.
 */
export function createMemoryStore(
  options: MemoryStoreOptions = {},
): MemoryStore {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
  const counters = new Map<string, Counter>();
  let lastSweep = now();

  function sweep(at: number): void {
    for (const [id, counter] of counters) {
      if (Math.floor(at / counter.windowMs) > counter.window + 1) {
        counters.delete(id);
      }
    }
    lastSweep = at;
  }

  function counterFor(id: string, windowMs: number, window: number): Counter {
    const found = counters.get(id);
    // Re-inserting keeps Map order least-recently-used first, for eviction.
    if (found) counters.delete(id);
    let counter: Counter;
    if (!found || found.windowMs !== windowMs || window > found.window + 1) {
      counter = { windowMs, window, current: 0, previous: 0 };
    } else if (window === found.window + 1) {
      counter = { windowMs, window, current: 0, previous: found.current };
    } else {
      counter = found;
    }
    counters.set(id, counter);
    if (counters.size > maxEntries) {
      const oldest = counters.keys().next().value;
      if (oldest !== undefined) counters.delete(oldest);
    }
    return counter;
  }

  function limit(
    bucket: string,
    key: string,
    rule: LimitRule,
  ): Promise<LimitResult> {
    assertValidRule(rule);
    const at = now();
    if (at - lastSweep >= sweepIntervalMs) sweep(at);
    const windowMs = rule.windowSeconds * 1000;
    const window = Math.floor(at / windowMs);
    const counter = counterFor(
      `${bucket}:${encodeSubject(key)}`,
      windowMs,
      window,
    );
    const reset = (window + 1) * windowMs;
    const weightedPrevious = Math.floor(
      (1 - (at % windowMs) / windowMs) * counter.previous,
    );
    if (weightedPrevious + counter.current >= rule.limit) {
      return Promise.resolve({
        success: false,
        limit: rule.limit,
        remaining: 0,
        reset,
        store: "memory",
      });
    }
    counter.current += 1;
    const remaining = Math.max(
      0,
      rule.limit - (counter.current + weightedPrevious),
    );
    return Promise.resolve({
      success: true,
      limit: rule.limit,
      remaining,
      reset,
      store: "memory",
    });
  }

  /** As the library's refund: one less in the current window, which may go below zero after a rollover. */
  function refund(bucket: string, key: string, rule: LimitRule): Promise<void> {
    assertValidRule(rule);
    const at = now();
    const windowMs = rule.windowSeconds * 1000;
    counterFor(`${bucket}:${encodeSubject(key)}`, windowMs, Math.floor(at / windowMs)).current -= 1;
    return Promise.resolve();
  }

  return {
    kind: "memory",
    limit,
    refund,
    ping: () => Promise.resolve(),
    size: () => counters.size,
    close: () => {
      counters.clear();
      return Promise.resolve();
    },
  };
}
