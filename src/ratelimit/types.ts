/** Where a limiter keeps its counters. */
export type LimiterStoreKind = "upstash" | "redis" | "memory";

/** At most `limit` requests per sliding window of `windowSeconds`. */
export interface LimitRule {
  limit: number;
  windowSeconds: number;
}

/** The verdict for one request. */
export interface LimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the current window ends and its requests start to count less. */
  reset: number;
  /** The store that actually answered (memory while a remote store is down). */
  store: LimiterStoreKind;
}

/** What a readiness probe reports about the limiter. */
export interface LimiterHealth {
  /** The store currently answering. */
  store: LimiterStoreKind;
  /** The store chosen from configuration. */
  configured: LimiterStoreKind;
  status: "up" | "degraded";
  latency_ms: number;
}

/** A sliding-window rate limiter shared by every route that limits requests. */
export interface RateLimiter {
  /** bucket names the rule (e.g. "tier:auth" or "signin-email"), key the subject (ip, user id, email) */
  limit(bucket: string, key: string, rule: LimitRule): Promise<LimitResult>;
  /**
   * Gives back one request that `limit` counted, to the store that counted it (`store` of its
   * result): a limit that counts only failures takes a request first and refunds the ones that
   * succeeded, so concurrent attempts can never exceed it. Never throws: an unrefunded request
   * only errs on the strict side.
   */
  refund(bucket: string, key: string, rule: LimitRule, store: LimiterStoreKind): Promise<void>;
  health(): Promise<LimiterHealth>;
  close(): Promise<void>;
}

/**
 * One backing store. Unlike {@link RateLimiter}, a store may throw or hang when its
 * server is unreachable; the fallback wrapper is what turns that into answers.
 */
export interface LimiterStore {
  readonly kind: LimiterStoreKind;
  limit(bucket: string, key: string, rule: LimitRule): Promise<LimitResult>;
  /** Takes one request off the subject's current window (a refund: the limit is not checked). */
  refund(bucket: string, key: string, rule: LimitRule): Promise<void>;
  /** Resolves when the store answers a round trip, rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type { LogFn } from "../logger.ts";
