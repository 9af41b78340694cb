/**
 * The per-account sign-in limit: guessing stays bounded per account whatever the client
 * addresses, while an owner on a device that signed in before is not locked out by someone
 * else's failures.
 * @module
 */
import type { Tier } from "../../config.ts";
import type { LimitRule } from "../../ratelimit/mod.ts";

/** Policy name of sign-ins to one address without a known device token. */
export const SIGNIN_ACCOUNT_POLICY = "signin_account";
/** Policy name of sign-ins with one known device token. */
export const SIGNIN_DEVICE_POLICY = "signin_device";

/** Both limits span an hour... */
export const SIGNIN_LIMIT_WINDOW_SECONDS = 3600;
/** ...and allow this many times the `auth` tier's per-minute number (10 with the defaults). */
export const SIGNIN_LIMIT_FACTOR = 2;

/**
 * Sign-ins per address per hour without a known device token, counted before the password
 * is checked, from every client address together.
 */
export function signinAccountRule(limits: Readonly<Record<Tier, number>>): LimitRule {
  return { limit: limits.auth * SIGNIN_LIMIT_FACTOR, windowSeconds: SIGNIN_LIMIT_WINDOW_SECONDS };
}

/** Sign-ins per hour with one known device token: its own budget, untouched by other clients. */
export function signinDeviceRule(limits: Readonly<Record<Tier, number>>): LimitRule {
  return { limit: limits.auth * SIGNIN_LIMIT_FACTOR, windowSeconds: SIGNIN_LIMIT_WINDOW_SECONDS };
}
