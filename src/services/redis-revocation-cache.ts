import { openRedisConnection } from "../ratelimit/redis-connection.ts";
import { describeError, type Logger } from "../logger.ts";
import { createDeadline } from "../timeout.ts";
import type { CacheEntry, RevocationCache } from "./revocation-cache.ts";

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
  url: string;
  /** Prepended to every key, so several deployments (or tests) can share one Redis */
  keyPrefix: string;
  /** Per-command timeout: a slow Redis costs a request this much at most before Postgres answers */
  timeoutMs: number;
  logger: Logger;
}

const CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * The shared cache on Redis (node-redis, through the same self-healing connection as the
 * rate limiter). Commands fail fast while disconnected (`disableOfflineQueue`) and time out
 * after `timeoutMs`, so callers fall back to Postgres instead of queueing behind an outage.
 */
export function createRedisRevocationCache(options: RedisRevocationCacheOptions): RevocationCache {
  let lastErrorLog = 0;
  const connection = openRedisConnection({
    url: options.url,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    maxReconnectDelayMs: MAX_RECONNECT_DELAY_MS,
    log: (level, message, fields) => {
      if (level !== "debug") options.logger[level](message, fields);
    },
    onError(error) {
      const now = Date.now();
      if (now - lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
      lastErrorLog = now;
      options.logger.warn("revocation cache unavailable, checking tokens in Postgres", {
        error: describeError(error),
      });
    },
  });
  const { client } = connection;
  // Our own deadline: node-redis times commands out with AbortSignal.timeout, whose timer
  // fires (and builds an exception) even after the command answered, on every request
  const withinDeadline = createDeadline(options.timeoutMs, "The revocation cache");
  const prefixed = (key: string) => options.keyPrefix + key;

  return {
    kind: "redis",
    shared: true,
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
    close: () => connection.close(),
  };
}
