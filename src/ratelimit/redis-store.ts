import { Redis } from "@upstash/redis";
import type { Clock } from "../clock.ts";
import { openRedisConnection, type RedisConnection } from "../redis/connection.ts";
import { createRatelimitStore } from "./ratelimit-store.ts";
import { createRespRequester } from "./resp-requester.ts";
import type { LimiterStore, LogFn } from "./types.ts";

/** Options for {@link createRedisStore}: a shared connection, or a URL to open one of its own. */
export type RedisStoreOptions =
  & { prefix: string }
  & (
    | { connection: RedisConnection }
    | {
      /** `redis://` or `rediss://` URL of a self-hosted Redis (7 or later). */
      url: string;
      log: LogFn;
      connectTimeoutMs?: number;
      maxReconnectDelayMs?: number;
      /** Drives the connection's watchdog */
      clock?: Clock;
    }
  );

/**
 * A store on a self-hosted Redis, reached over RESP with node-redis. A connection passed in
 * belongs to the caller (the revocation cache shares it); one opened here closes with the store.
 */
export function createRedisStore(options: RedisStoreOptions): LimiterStore {
  const owned = "connection" in options ? undefined : openRedisConnection(options);
  const connection = "connection" in options ? options.connection : owned!;
  const redis = new Redis(createRespRequester(connection.client));
  return createRatelimitStore({
    kind: "redis",
    redis,
    prefix: options.prefix,
    onClose: () => owned?.close() ?? Promise.resolve(),
  });
}
