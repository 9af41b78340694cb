import { assertValidRule } from "./rule.ts";
import type {
  LimiterHealth,
  LimiterStore,
  LimiterStoreKind,
  LimitResult,
  LimitRule,
  LogFn,
  RateLimiter,
} from "./types.ts";
import type { Clock } from "../clock.ts";
import { withTimeout } from "../timeout.ts";

/** Options for {@link createFallbackLimiter}. */
export interface FallbackOptions {
  /** The shared store (Redis or Upstash) that should normally answer. */
  remote: LimiterStore;
  /** Answers while the remote store is failing or slow. */
  memory: LimiterStore;
  /** Longest wait for the remote store per call. */
  timeoutMs?: number;
  /** First pause before probing a failed remote store; doubles up to `maxProbeIntervalMs`. */
  probeIntervalMs?: number;
  maxProbeIntervalMs?: number;
  /** Times the remote calls, the outage and the probe backoff */
  clock: Clock;
  log: LogFn;
  /** Told when the limiter starts (true) and stops (false) answering from memory */
  onFallback?: (active: boolean) => void;
}

/**
 * A limiter that never throws or hangs because its store is down: each remote call is
 * raced against `timeoutMs`, and on a failure or timeout the request (and the ones after
 * it) is answered from memory. While falling back, a PING probes the remote store after
 * a backoff (one probe at a time) and the remote store takes over again once it answers.
 *
 * Counts kept in memory are per process and start empty, so limits are looser while the
 * remote store is down; that is the price of staying up.
 */
export function createFallbackLimiter(options: FallbackOptions): RateLimiter {
  const { remote, memory, clock, log } = options;
  const timeoutMs = options.timeoutMs ?? 250;
  const baseProbeMs = options.probeIntervalMs ?? 500;
  const maxProbeMs = options.maxProbeIntervalMs ?? 5000;
  let downSince: number | undefined;
  let probeDelayMs = baseProbeMs;
  let nextProbeAt = 0;
  let probing: Promise<boolean> | undefined;

  function fallBack(error: unknown): void {
    if (downSince !== undefined) return;
    downSince = clock.monotonicMs();
    probeDelayMs = baseProbeMs;
    nextProbeAt = downSince + probeDelayMs;
    options.onFallback?.(true);
    log("warn", "Rate limit store unavailable, limiting from memory", {
      store: remote.kind,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  function recover(): void {
    if (downSince === undefined) return;
    log("info", "Rate limit store recovered", {
      store: remote.kind,
      down_ms: Math.round(clock.monotonicMs() - downSince),
    });
    downSince = undefined;
    options.onFallback?.(false);
  }

  /** Pings the remote store; joins the probe already in flight, if any. */
  function probe(): Promise<boolean> {
    probing ??= withTimeout(remote.ping(), timeoutMs, "The call", clock).then(
      () => {
        recover();
        return true;
      },
      () => {
        probeDelayMs = Math.min(probeDelayMs * 2, maxProbeMs);
        nextProbeAt = clock.monotonicMs() + probeDelayMs;
        return false;
      },
    ).finally(() => {
      probing = undefined;
    });
    return probing;
  }

  async function limit(
    bucket: string,
    key: string,
    rule: LimitRule,
  ): Promise<LimitResult> {
    // A bad rule is a bug, not an outage: let it throw before it is mistaken for one.
    assertValidRule(rule);
    if (downSince !== undefined) {
      if (probing === undefined && clock.monotonicMs() >= nextProbeAt) {
        void probe();
      }
      return memory.limit(bucket, key, rule);
    }
    try {
      return await withTimeout(remote.limit(bucket, key, rule), timeoutMs, "The rate-limit store", clock);
    } catch (error) {
      fallBack(error);
      return memory.limit(bucket, key, rule);
    }
  }

  /** To the store that counted the request; a remote refund that fails is dropped (the count stays, strict). */
  async function refund(bucket: string, key: string, rule: LimitRule, store: LimiterStoreKind): Promise<void> {
    if (store === memory.kind) return await memory.refund(bucket, key, rule);
    try {
      await withTimeout(remote.refund(bucket, key, rule), timeoutMs, "The rate-limit store", clock);
    } catch (error) {
      log("warn", "Rate limit refund dropped", {
        store: remote.kind,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async function health(): Promise<LimiterHealth> {
    const started = clock.monotonicMs();
    let up: boolean;
    if (downSince !== undefined) {
      up = await probe();
    } else {
      try {
        await withTimeout(remote.ping(), timeoutMs, "The call", clock);
        up = true;
      } catch (error) {
        fallBack(error);
        up = false;
      }
    }
    return {
      store: up ? remote.kind : memory.kind,
      configured: remote.kind,
      status: up ? "up" : "degraded",
      latency_ms: Math.round(clock.monotonicMs() - started),
    };
  }

  async function close(): Promise<void> {
    await probing;
    await Promise.all([remote.close(), memory.close()]);
  }

  return { limit, refund, health, close };
}
