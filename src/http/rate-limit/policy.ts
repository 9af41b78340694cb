import type { Tier } from "../../config.ts";
import type { LimitRule } from "../../ratelimit/mod.ts";
import {
  SIGNIN_ACCOUNT_POLICY,
  SIGNIN_DEVICE_POLICY,
  signinAccountRule,
  signinDeviceRule,
} from "../../services/accounts/credentials/signin-limits.ts";

/**
 * What a route's limiter keys on: the client address, the signed-in user, the admin API key, the address and
 * the email in the body, or (sign-in) the address here and the account in the service,
 * where a known device token is told apart from the rest.
 */
export type RateLimitKey = "ip" | "user" | "ip+email" | "ip+account" | "api_key";

/** Every tier counts requests over a sliding window of one minute. */
export const TIER_WINDOW_SECONDS = 60;

/**
 * Per-address limits span 15 minutes, so an attacker rotating client IPs gets at most
 * {@link EMAIL_LIMIT_FACTOR} × the tier's per-minute limit of guesses on one account.
 */
export const EMAIL_WINDOW_SECONDS = 900;
export const EMAIL_LIMIT_FACTOR = 2;

/** Tiers whose routes are also limited per email address when their body carries one. */
export const EMAIL_LIMITED_TIERS: readonly Tier[] = ["auth", "email_verification"];

/** Per-minute limits by tier, as configured (or the defaults for the committed spec). */
export type TierLimits = Readonly<Record<Tier, number>>;

/** The sliding-window rule of a tier. */
export function tierRule(limits: TierLimits, tier: Tier): LimitRule {
  return { limit: limits[tier], windowSeconds: TIER_WINDOW_SECONDS };
}

/** The per-email rule of a tier: scales with the tier, so raising one raises both. */
export function emailRule(limits: TierLimits, tier: Tier): LimitRule {
  return { limit: limits[tier] * EMAIL_LIMIT_FACTOR, windowSeconds: EMAIL_WINDOW_SECONDS };
}

/** The policy counting failed bearer checks per client address, named in headers and the spec. */
export const FAILED_TOKEN_POLICY = "invalid_token";

/** Failed bearer checks allowed per client address: the `general` tier's number, per minute. */
export function failedTokenRule(limits: TierLimits): LimitRule {
  return tierRule(limits, "general");
}

/** Name of a policy in the RateLimit and RateLimit-Policy headers. */
export function policyName(tier: Tier, perEmail: boolean): string {
  return perEmail ? `${tier}_email` : tier;
}

/** What the `x-rate-limit` extension of an operation states. */
export interface RateLimitExtension {
  tier: Tier;
  limit: number;
  window_seconds: number;
  key: string;
  email_limit?: { limit: number; window_seconds: number };
  /** Sign-in: attempts per account from every client address, and per known device token */
  account_limit?: {
    policy: string;
    limit: number;
    window_seconds: number;
    key: "email";
    known_device_limit: { policy: string; limit: number; window_seconds: number; key: "device_token" };
  };
  /** Bearer routes: failed token checks allowed per client address before 429 */
  failed_token_limit?: { limit: number; window_seconds: number; key: "ip" };
}

/** The `x-rate-limit` extension of an operation, from its tier, key and the limits in force. */
export function rateLimitExtension(limits: TierLimits, tier: Tier, key: string): RateLimitExtension {
  const rule = tierRule(limits, tier);
  const extension: RateLimitExtension = { tier, limit: rule.limit, window_seconds: rule.windowSeconds, key };
  if (key === "ip+email") {
    const perEmail = emailRule(limits, tier);
    extension.email_limit = { limit: perEmail.limit, window_seconds: perEmail.windowSeconds };
  }
  if (key === "ip+account") {
    const account = signinAccountRule(limits);
    const device = signinDeviceRule(limits);
    extension.account_limit = {
      policy: SIGNIN_ACCOUNT_POLICY,
      limit: account.limit,
      window_seconds: account.windowSeconds,
      key: "email",
      known_device_limit: {
        policy: SIGNIN_DEVICE_POLICY,
        limit: device.limit,
        window_seconds: device.windowSeconds,
        key: "device_token",
      },
    };
  }
  if (key === "user" || key === "api_key") {
    const failures = failedTokenRule(limits);
    extension.failed_token_limit = { limit: failures.limit, window_seconds: failures.windowSeconds, key: "ip" };
  }
  return extension;
}
