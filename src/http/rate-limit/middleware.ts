import type { Context, MiddlewareHandler } from "hono";
import type { Tier } from "../../config.ts";
import type { AppEnv } from "../app-env.ts";
import { clientIp } from "../client-ip.ts";
import type { RateLimitKey } from "./policy.ts";
import {
  isCountedResult,
  type LimitCheck,
  limitOutcome,
  rateLimitedError,
  rateLimitHeaders,
  retryAfterSeconds,
} from "../../ratelimit/headers.ts";
import { emailRule, FAILED_TOKEN_POLICY, failedTokenRule, policyName, tierRule } from "./policy.ts";
import { ipSubject } from "./subject.ts";
import { readRequestEmail } from "./request-email.ts";

export interface RateLimitOptions {
  tier: Tier;
  /**
   * `user` needs requireBearer to run first; `ip+email` also limits the body's email;
   * `ip+account` limits the address here and leaves the account to the service
   */
  key: RateLimitKey;
}

/**
 * Enforces the route's tier through `deps.rateLimiter`: keyed on the user for bearer
 * routes, on the client IP otherwise, and also on the normalized email for routes that
 * take one, so rotating IPs cannot hammer one account. The answer is the same whether
 * that account exists: nothing here looks it up. Sets the rate-limit headers (kept on
 * error responses too) and throws a 429 `rate_limited` problem with Retry-After when a
 * limit is exhausted.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const { tier, key } = options;
  return async function rateLimitMiddleware(c, next) {
    const { config, rateLimiter, clock, observer } = c.get("deps");
    const limits = config.rateLimit.perMinute;
    const checks: LimitCheck[] = [];

    const rule = tierRule(limits, tier);
    const auth = c.get("auth");
    const adminKey = c.get("adminKey");
    const subject = key === "user" && auth
      ? `user:${auth.userId}`
      : key === "api_key" && adminKey
      ? `key:${adminKey.id}`
      : `ip:${ipSubject(clientIp(c, config.trustProxy))}`;
    const result = await rateLimiter.limit(`tier:${tier}`, subject, rule);
    c.set("rateLimit", result);
    checks.push({ policy: policyName(tier, false), rule, result });

    if (result.success && key === "ip+email") {
      const email = await readRequestEmail(c);
      if (email !== undefined) {
        const perEmail = emailRule(limits, tier);
        const emailResult = await rateLimiter.limit(`email:${tier}`, email, perEmail);
        checks.push({ policy: policyName(tier, true), rule: perEmail, result: emailResult });
      }
    }

    for (const check of checks) observer.rateLimitDecision(tier, check.policy, limitOutcome(check.result));
    const counted = checks.filter((check) => isCountedResult(check.result));
    const now = clock.now().getTime();
    for (const [name, value] of Object.entries(rateLimitHeaders(counted, now))) c.header(name, value);
    const denied = counted.find((check) => !check.result.success);
    if (denied) throw rateLimitedError(retryAfterSeconds(denied.result.reset, now));
    await next();
  };
}

/**
 * Counts a failed bearer check (no token, a bad one, a revoked one) against the client
 * address: the `general` tier's number per minute. Past it, failures get 429 instead of
 * 401, so nobody probes tokens at full speed; a valid token from the same address is not
 * held back. Sets the policy's headers either way.
 */
export async function countFailedTokenCheck(c: Context<AppEnv>): Promise<void> {
  const { config, rateLimiter, clock, observer } = c.get("deps");
  const rule = failedTokenRule(config.rateLimit.perMinute);
  const subject = `ip:${ipSubject(clientIp(c, config.trustProxy))}`;
  const result = await rateLimiter.limit(`bearer:${FAILED_TOKEN_POLICY}`, subject, rule);
  observer.rateLimitDecision("general", FAILED_TOKEN_POLICY, limitOutcome(result));
  if (!isCountedResult(result)) return;
  const now = clock.now().getTime();
  const headers = rateLimitHeaders([{ policy: FAILED_TOKEN_POLICY, rule, result }], now);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  if (!result.success) throw rateLimitedError(retryAfterSeconds(result.reset, now));
}
