import { createFallbackLimiter } from "./fallback.ts";
import { createMemoryStore } from "./memory-store.ts";
import { createRedisStore } from "./redis-store.ts";
import type { LimiterHealth, LimiterStore, LogFn, RateLimiter } from "./types.ts";
import { createUpstashStore } from "./upstash-store.ts";
import type { Clock } from "../clock.ts";
import type { RedisConnection } from "../redis/connection.ts";

/** Options for {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Self-hosted Redis, `redis://` or `rediss://`; the limiter opens its own connection */
  redisUrl?: string;
  /** Self-hosted Redis over a connection the caller shares and closes */
  redis?: RedisConnection;
  /** Upstash REST endpoint; used with `upstashToken`, and preferred over `redisUrl`. */
  upstashUrl?: string;
  upstashToken?: string;
  /** Longest wait for the remote store before answering from memory. */
  timeoutMs: number;
  /** The one clock: windows of the memory store, remote timeouts, probes, the connection watchdog */
  clock: Clock;
  /** Key prefix in the remote store. */
  prefix?: string;
  log: LogFn;
  /** Told when the limiter starts (true) and stops (false) answering from memory */
  onFallback?: (active: boolean) => void;
}

/**
 * Builds the application's rate limiter: Upstash when its URL and token are set, else
 * a self-hosted Redis when its URL is set (both backed by memory while unreachable),
 * else memory alone. Never waits for a connection: it is made in the background.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const prefix = options.prefix ?? "jessy:rl";
  const { clock } = options;
  const memory = createMemoryStore({ now: () => clock.now().getTime() });
  let remote: LimiterStore | undefined;
  if (options.upstashUrl && options.upstashToken) {
    remote = createUpstashStore({
      url: options.upstashUrl,
      token: options.upstashToken,
      prefix,
    });
  } else if (options.redis) {
    remote = createRedisStore({ connection: options.redis, prefix });
  } else if (options.redisUrl) {
    remote = createRedisStore({
      url: options.redisUrl,
      prefix,
      log: options.log,
      clock,
      connectTimeoutMs: Math.max(options.timeoutMs, 1000),
    });
  }
  if (!remote) return memoryLimiter(memory);
  return createFallbackLimiter({
    remote,
    memory,
    timeoutMs: options.timeoutMs,
    clock,
    log: options.log,
    onFallback: options.onFallback,
  });
}

/** A limiter over the memory store alone, which cannot be down. */
function memoryLimiter(memory: LimiterStore): RateLimiter {
  const health: LimiterHealth = {
    store: "memory",
    configured: "memory",
    status: "up",
    latency_ms: 0,
  };
  return {
    limit: (bucket, key, rule) => memory.limit(bucket, key, rule),
    refund: (bucket, key, rule) => memory.refund(bucket, key, rule),
    health: () => Promise.resolve({ ...health }),
    close: () => memory.close(),
  };
}
