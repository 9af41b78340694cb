import type { LimitRule } from "./types.ts";

/**
 * Rejects rules that would make the sliding window meaningless. Rules come from code,
 * not from requests, so a bad one is a programming error worth failing loudly on.
 */
export function assertValidRule(rule: LimitRule): void {
  if (!Number.isSafeInteger(rule.limit) || rule.limit < 1) {
    throw new RangeError(
      `Rate limit must be a positive integer, got ${rule.limit}`,
    );
  }
  // Whole milliseconds keep the window arithmetic identical in every store.
  if (
    !Number.isSafeInteger(rule.windowSeconds * 1000) || rule.windowSeconds <= 0
  ) {
    throw new RangeError(
      `Rate limit window must be a positive number of ms, got ${rule.windowSeconds} s`,
    );
  }
}

/**
 * Escapes the subject so that a key containing ":" (an IPv6 address, a quoted email)
 * cannot collide with another bucket's keys once both are joined with ":".
 */
export function encodeSubject(key: string): string {
  return encodeURIComponent(key);
}
