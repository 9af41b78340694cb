import { createClient } from "redis";
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
 * The shared cache on Redis (node-redis). Commands fail fast while disconnected
 * (`disableOfflineQueue`) and time out after `timeoutMs`, so callers fall back to Postgres
 * instead of queueing behind an outage.
 */
export function createRedisRevocationCache(options: RedisRevocationCacheOptions): RevocationCache {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
    },
  });
  let lastErrorLog = 0;
  client.on("error", (error: unknown) => {
    const now = Date.now();
    if (now - lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    lastErrorLog = now;
    options.logger.warn("revocation cache unavailable, checking tokens in Postgres", {
      error: describeError(error),
    });
  });
  // Not awaited: while Redis is down connect() keeps retrying, and commands fail fast meanwhile
  const connecting = client.connect().catch(() => {});
  // Our own deadline: node-redis times commands out with AbortSignal.timeout, whose timer
  // fires (and builds an exception) even after the command answered, on every request
  const withinDeadline = createDeadline(options.timeoutMs, "The revocation cache");
  const prefixed = (key: string) => options.keyPrefix + key;

  return {
    kind: "redis",
    shared: true,
    async read(keys) {
      const values = await withinDeadline(client.mGet(keys.map(prefixed)));
      return values.map((value) => value === null ? undefined : Number(value));
    },
    async raise(entries: CacheEntry[]) {
      if (entries.length === 0) return;
      await withinDeadline(client.eval(RAISE_SCRIPT, {
        keys: entries.map((entry) => prefixed(entry.key)),
        arguments: entries.flatMap((entry) => [String(entry.value), String(Math.max(1, Math.ceil(entry.ttlSeconds)))]),
      }));
    },
    async close() {
      try {
        client.destroy();
      } catch {
        // Already closed
      }
      // A handshake stuck on a server that never answers may never settle: wait briefly only
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([connecting, new Promise<void>((resolve) => timer = setTimeout(resolve, 1000))]);
      clearTimeout(timer);
    },
  };
}
