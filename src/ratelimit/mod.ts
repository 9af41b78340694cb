/**
 * Sliding-window rate limiting on Upstash, a self-hosted Redis, or process memory.
 * @module
 */
export { createRateLimiter, type RateLimiterOptions } from "./create-limiter.ts";
export type { LimiterHealth, LimiterStoreKind, LimitResult, LimitRule, LogFn, RateLimiter } from "./types.ts";
