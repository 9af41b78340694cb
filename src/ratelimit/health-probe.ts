import type { RateLimiter } from "./mod.ts";
import type { HealthProbe } from "../health-probe.ts";

/**
 * The /health check of the rate-limit store: `up` while the configured store answers,
 * `degraded` while requests are limited from memory instead. The detail names store
 * kinds only, never a URL.
 */
export function rateLimitStoreProbe(limiter: RateLimiter): HealthProbe {
  return async function rateLimitStore() {
    const health = await limiter.health();
    const detail = health.store === health.configured
      ? health.store
      : `${health.store} (${health.configured} unreachable)`;
    return { status: health.status, latency_ms: health.latency_ms, detail };
  };
}
