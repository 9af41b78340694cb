import type { Clock } from "../../src/clock.ts";
import type { Logger } from "../../src/logger.ts";
import { createRedisRevocationCache } from "../../src/services/redis-revocation-cache.ts";
import { createMemoryRevocationCache, type RevocationCache } from "../../src/services/revocation-cache.ts";
import { uniqueCachePrefix } from "../helpers/app.ts";
import { TEST_REDIS_URL } from "../helpers/env.ts";
import { deleteKeysWithPrefix } from "../helpers/redis-keys.ts";

/** A revocation cache the test controls: on the shared Redis under its own prefix, or in memory. */
export interface TestCache {
  cache: RevocationCache;
  /** Another instance's connection to the same cache (the same object in memory mode) */
  connect(): RevocationCache;
  /** Forgets every entry, as FLUSHALL or a restart would — only this test's keys */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createTestCache(clock: Clock, logger: Logger): TestCache {
  if (!TEST_REDIS_URL) {
    const cache = createMemoryRevocationCache(clock);
    return {
      cache,
      // Each instance has its own memory: another instance starts empty
      connect: () => createMemoryRevocationCache(clock),
      // Closing the memory cache only empties it; it keeps serving
      flush: () => cache.close(),
      close: () => cache.close(),
    };
  }
  const url = TEST_REDIS_URL;
  const keyPrefix = uniqueCachePrefix();
  const opened: RevocationCache[] = [];
  const connect = () => {
    const cache = createRedisRevocationCache({ url, keyPrefix, timeoutMs: 1000, logger });
    opened.push(cache);
    return cache;
  };
  const cache = connect();
  return {
    cache,
    connect,
    flush: () => deleteKeysWithPrefix(url, keyPrefix),
    async close() {
      await this.flush();
      await Promise.all(opened.map((each) => each.close()));
    },
  };
}
