import type { Clock } from "../clock.ts";

export interface RaiseOptions {
  /** A fresh revocation rather than a refill: caches that keep instances in step broadcast it */
  publish?: boolean;
  /** The cache's epoch when the refilled facts were read from Postgres */
  epoch?: number;
}

/** One cached fact about a token: an integer that only ever goes up. */
export interface CacheEntry {
  key: string;
  value: number;
  ttlSeconds: number;
}

/**
 * Where revocation facts are cached in front of Postgres. Every value is monotonic
 * (0 → 1 for a revoked session or jti, the highest token version for a user): `raise`
 * never lowers an entry, so a stale refill racing a revocation cannot undo it.
 */
export interface RevocationCache {
  readonly kind: "redis" | "memory";
  /**
   * True when every instance reads the same cache, so an entry saying "still valid" can be
   * trusted. A per-process cache is only trusted when it says "revoked".
   */
  readonly shared: boolean;
  /** Values of the keys, undefined where absent; throws when the cache cannot answer */
  read(keys: string[]): Promise<(number | undefined)[]>;
  /** Raises each entry to at least its value, refreshing the TTL of those it raises */
  raise(entries: CacheEntry[], options?: RaiseOptions): Promise<void>;
  /**
   * Changes whenever the cache may have missed revocations (a cache kept in step by
   * messages, after its listener reconnects). A refill read from Postgres under an older
   * epoch is dropped: it may predate a revocation the cache never heard of.
   */
  readonly epoch?: number;
  close(): Promise<void>;
}

const SWEEP_ABOVE_ENTRIES = 10_000;
const CLEAR_ABOVE_ENTRIES = 100_000;

/**
 * A process-local cache with the same semantics, timed by the injected clock. `shared`
 * says this process is the only instance (embedded PGlite), so "still valid" is trusted.
 */
export function createMemoryRevocationCache(clock: Clock, options: { shared?: boolean } = {}): RevocationCache {
  const entries = new Map<string, { value: number; expiresAtMs: number }>();

  function live(key: string, nowMs: number) {
    const entry = entries.get(key);
    if (entry && entry.expiresAtMs <= nowMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function sweep(nowMs: number) {
    for (const [key, entry] of entries) if (entry.expiresAtMs <= nowMs) entries.delete(key);
    // Only an accelerator in front of Postgres: forgetting everything is always safe
    if (entries.size > CLEAR_ABOVE_ENTRIES) entries.clear();
  }

  return {
    kind: "memory",
    shared: options.shared ?? false,
    read(keys) {
      const nowMs = clock.now().getTime();
      return Promise.resolve(keys.map((key) => live(key, nowMs)?.value));
    },
    raise(list) {
      const nowMs = clock.now().getTime();
      if (entries.size > SWEEP_ABOVE_ENTRIES) sweep(nowMs);
      for (const { key, value, ttlSeconds } of list) {
        const current = live(key, nowMs);
        if (!current || current.value < value) {
          entries.set(key, { value, expiresAtMs: nowMs + ttlSeconds * 1000 });
        }
      }
      return Promise.resolve();
    },
    close() {
      entries.clear();
      return Promise.resolve();
    },
  };
}
