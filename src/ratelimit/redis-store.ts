import { Redis } from "@upstash/redis";
import { openRedisConnection } from "./redis-connection.ts";
import { createRatelimitStore } from "./ratelimit-store.ts";
import { createRespRequester } from "./resp-requester.ts";
import type { LimiterStore, LogFn } from "./types.ts";

/** Options for {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL of a self-hosted Redis (7 or later). */
  url: string;
  prefix: string;
  log: LogFn;
  connectTimeoutMs?: number;
  maxReconnectDelayMs?: number;
}

/** A store on a self-hosted Redis, reached over RESP with node-redis. */
export function createRedisStore(options: RedisStoreOptions): LimiterStore {
  const connection = openRedisConnection(options);
  const redis = new Redis(createRespRequester(connection.client));
  return createRatelimitStore({
    kind: "redis",
    redis,
    prefix: options.prefix,
    onClose: connection.close,
  });
}
