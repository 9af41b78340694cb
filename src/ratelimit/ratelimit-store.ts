import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { assertValidRule, encodeSubject } from "./rule.ts";
import type { LimiterStore, LimiterStoreKind, LimitResult, LimitRule } from "./types.ts";

/** Options for {@link createRatelimitStore}. */
export interface RatelimitStoreOptions {
  kind: Exclude<LimiterStoreKind, "memory">;
  redis: Redis;
  /** Key prefix; each bucket's keys live under `${prefix}:${bucket}`. */
  prefix: string;
  /** Releases whatever connection backs `redis`. */
  onClose?: () => Promise<void>;
}

/**
 * A store that drives @upstash/ratelimit's sliding window over any @upstash/redis client,
 * one cached `Ratelimit` per (bucket, limit, window).
 */
export function createRatelimitStore(
  options: RatelimitStoreOptions,
): LimiterStore {
  const limiters = new Map<string, Ratelimit>();

  function limiterFor(bucket: string, rule: LimitRule): Ratelimit {
    const id = JSON.stringify([bucket, rule.limit, rule.windowSeconds]);
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: options.redis,
        limiter: Ratelimit.slidingWindow(
          rule.limit,
          `${rule.windowSeconds * 1000} ms`,
        ),
        prefix: `${options.prefix}:${bucket}`,
        // The ephemeral cache answers blocked subjects from this process's memory until
        // reset; other instances sharing the store would not see the same answers.
        ephemeralCache: false,
        analytics: false,
        // Protection downloads deny lists from the internet.
        enableProtection: false,
        // Its timeout resolves `success: true, limit: 0`; the fallback races calls itself.
        timeout: 0,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  }

  async function limit(
    bucket: string,
    key: string,
    rule: LimitRule,
  ): Promise<LimitResult> {
    assertValidRule(rule);
    const answer = await limiterFor(bucket, rule).limit(encodeSubject(key));
    // Any reason (timeout, cacheBlock, denyList) means the answer did not come from the
    // counters; never pass it on as a verdict.
    if (answer.reason !== undefined) {
      throw new Error(`Rate limit answer without counters: ${answer.reason}`);
    }
    return {
      success: answer.success,
      limit: Number(answer.limit),
      remaining: Number(answer.remaining),
      reset: Number(answer.reset),
      store: options.kind,
    };
  }

  async function refund(bucket: string, key: string, rule: LimitRule): Promise<void> {
    assertValidRule(rule);
    // A negative rate is the library's refund: the script skips the limit check and decrements
    const answer = await limiterFor(bucket, rule).limit(encodeSubject(key), { rate: -1 });
    if (answer.reason !== undefined) throw new Error(`Rate limit refund not counted: ${answer.reason}`);
  }

  async function ping(): Promise<void> {
    const reply = await options.redis.ping();
    if (reply !== "PONG") {
      throw new Error(`Unexpected PING reply: ${String(reply)}`);
    }
  }

  async function close(): Promise<void> {
    limiters.clear();
    await options.onClose?.();
  }

  return { kind: options.kind, limit, refund, ping, close };
}
