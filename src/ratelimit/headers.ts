import type { RateLimitOutcome } from "../observer.ts";
/**
 * What a client is told about the limits applied to its request: the rate-limit headers and
 * the 429 problem. Below the web layer, so a service that enforces a limit of its own (the
 * per-account sign-in limit) answers exactly as the middleware does.
 * @module
 */
import { AppError } from "../errors.ts";
import type { LimitResult, LimitRule } from "./types.ts";

/** One limit applied to a request: the policy's name, its rule and the limiter's verdict. */
export interface LimitCheck {
  policy: string;
  rule: LimitRule;
  result: LimitResult;
}

/**
 * Whether the verdict came from a store that counted the request. A result without a
 * limit or reset (a timed-out or unknown answer) must not be reported as a quota.
 */
export function isCountedResult(result: LimitResult): boolean {
  return result.limit > 0 && result.reset > 0 && Number.isFinite(result.reset);
}

/** A verdict as the metrics count it: allowed, limited, or uncounted (the store gave no count). */
export function limitOutcome(result: LimitResult): RateLimitOutcome {
  if (!isCountedResult(result)) return "uncounted";
  return result.success ? "allowed" : "limited";
}

/** Whole seconds until the window resets, rounded up, never negative. */
export function secondsUntilReset(resetMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((resetMs - nowMs) / 1000));
}

/**
 * Seconds a denied client should wait. The window's counts start to decay only after
 * `reset`, so a retry exactly at `reset` could still be denied: the answer always lands
 * strictly after it, and is at least 1.
 */
export function retryAfterSeconds(resetMs: number, nowMs: number): number {
  return Math.max(1, Math.floor((resetMs - nowMs) / 1000) + 1);
}

/** The check that decides the request: the one that denied it, else the one with the least left. */
export function bindingCheck(checks: readonly LimitCheck[]): LimitCheck | undefined {
  const denied = checks.find((check) => !check.result.success);
  if (denied) return denied;
  return [...checks].sort((a, b) => a.result.remaining - b.result.remaining)[0];
}

/**
 * Response headers for the limits applied to a request: the IETF `RateLimit-Policy`
 * and `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers) listing every policy,
 * and the widespread `X-RateLimit-*` trio for the binding one.
 */
export function rateLimitHeaders(checks: readonly LimitCheck[], nowMs: number): Record<string, string> {
  const binding = bindingCheck(checks);
  if (!binding) return {};
  const policies = checks.map(({ policy, rule, result }) => `"${policy}";q=${result.limit};w=${rule.windowSeconds}`);
  const quotas = checks.map(({ policy, result }) =>
    `"${policy}";r=${result.remaining};t=${secondsUntilReset(result.reset, nowMs)}`
  );
  return {
    "RateLimit-Policy": policies.join(", "),
    RateLimit: quotas.join(", "),
    "X-RateLimit-Limit": String(binding.result.limit),
    "X-RateLimit-Remaining": String(binding.result.remaining),
    "X-RateLimit-Reset": String(secondsUntilReset(binding.result.reset, nowMs)),
  };
}

/** The 429 problem; one wording for every limit, so it tells nothing about the account. */
export function rateLimitedError(retryAfter: number, headers: Record<string, string> = {}): AppError {
  return new AppError("rate_limited", "Too many requests: retry after the number of seconds in Retry-After", {
    headers: { ...headers, "Retry-After": String(retryAfter) },
    extra: { retry_after: retryAfter },
  });
}
