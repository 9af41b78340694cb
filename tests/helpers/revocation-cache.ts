import { type Clock, systemClock } from "../../src/clock.ts";
import type { Logger } from "../../src/logger.ts";
import { openRedis } from "../../src/runtime.ts";
import type { RevocationCache } from "../../src/services/revocation/cache.ts";
import { createRedisRevocationCache } from "../../src/services/revocation/redis-cache.ts";
import { uniqueCachePrefix } from "./app.ts";
import { deleteKeysWithPrefix } from "./redis.ts";
import { TEST_REDIS_URL } from "../helpers/env.ts";

/** A revocation cache on a Redis of the test's choosing, over a connection of its own. */
export interface OpenedCache {
  cache: RevocationCache;
  close(): Promise<void>;
}

/** Opens a Redis connection and the revocation cache over it, as an instance does. */
export function openRedisCache(
  url: string,
  options: { keyPrefix: string; timeoutMs: number; logger: Logger; clock?: Clock },
): OpenedCache {
  const clock = options.clock ?? systemClock;
  const connection = openRedis(url, options.logger, clock);
  const cache = createRedisRevocationCache({
    client: connection.client,
    keyPrefix: options.keyPrefix,
    timeoutMs: options.timeoutMs,
    clock,
  });
  return { cache, close: () => connection.close() };
}

/**
 * The revocation cache instances share: on the test Redis under its own prefix when
 * TEST_REDIS_URL is set; none otherwise, so every instance checks tokens in the database.
 */
export interface TestCache {
  cache: RevocationCache | undefined;
  /** Another instance's connection to the same cache */
  connect(): RevocationCache | undefined;
  /** Forgets every entry, as FLUSHALL or a restart would — only this test's keys */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createTestCache(logger: Logger): TestCache {
  if (!TEST_REDIS_URL) {
    return {
      cache: undefined,
      connect: () => undefined,
      flush: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  const url = TEST_REDIS_URL;
  const keyPrefix = uniqueCachePrefix();
  const opened: OpenedCache[] = [];
  const connect = () => {
    const each = openRedisCache(url, { keyPrefix, timeoutMs: 1000, logger });
    opened.push(each);
    return each.cache;
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
