import type { Clock } from "../../clock.ts";
import type { RespClient } from "../../redis/connection.ts";
import { createDeadline } from "../../timeout.ts";
import type { CacheEntry, RevocationCache } from "./cache.ts";

// Sets each key to its value unless it already holds an equal or higher one
const RAISE_SCRIPT = `
for i, key in ipairs(KEYS) do
  local current = tonumber(redis.call('GET', key))
  local value = tonumber(ARGV[i * 2 - 1])
  if not current or current < value then
    redis.call('SET', key, ARGV[i * 2 - 1], 'EX', ARGV[i * 2])
  end
end
return 1
`;

export interface RedisRevocationCacheOptions {
  /** The instance's Redis connection, shared with the rate limiter and closed by its owner */
  client: RespClient;
  /** Prepended to every key, so several deployments (or tests) can share one Redis */
  keyPrefix: string;
  /** Per-command timeout: a slow Redis costs a request this much at most before Postgres answers */
  timeoutMs: number;
  /** Runs the per-command deadline */
  clock: Clock;
}

/**
 * The shared cache on Redis. Commands fail fast while disconnected (the connection has no
 * offline queue) and time out after `timeoutMs`, so callers fall back to Postgres instead
 * of queueing behind an outage.
 */
export function createRedisRevocationCache(options: RedisRevocationCacheOptions): RevocationCache {
  const { client } = options;
  // Our own deadline: node-redis times commands out with AbortSignal.timeout, whose timer
  // fires (and builds an exception) even after the command answered, on every request
  const withinDeadline = createDeadline(options.timeoutMs, "The revocation cache", options.clock);
  const prefixed = (key: string) => options.keyPrefix + key;

  return {
    async read(keys) {
      const values = await withinDeadline(client.sendCommand(["MGET", ...keys.map(prefixed)])) as (string | null)[];
      return values.map((value) => value === null ? undefined : Number(value));
    },
    async raise(entries: CacheEntry[]) {
      if (entries.length === 0) return;
      await withinDeadline(client.sendCommand([
        "EVAL",
        RAISE_SCRIPT,
        String(entries.length),
        ...entries.map((entry) => prefixed(entry.key)),
        ...entries.flatMap((entry) => [String(entry.value), String(Math.max(1, Math.ceil(entry.ttlSeconds)))]),
      ]));
    },
  };
}
