/** One cached fact about a token: an integer that only ever goes up. */
export interface CacheEntry {
  key: string;
  value: number;
  ttlSeconds: number;
}

/**
 * Where revocation facts are cached in front of Postgres, shared by every instance. Every
 * value is monotonic (0 → 1 for a revoked session or jti, the highest token version for a
 * user): `raise` never lowers an entry, so a stale refill racing a revocation cannot undo it.
 */
export interface RevocationCache {
  /** Values of the keys, undefined where absent; throws when the cache cannot answer */
  read(keys: string[]): Promise<(number | undefined)[]>;
  /** Raises each entry to at least its value, refreshing the TTL of those it raises */
  raise(entries: CacheEntry[]): Promise<void>;
}
