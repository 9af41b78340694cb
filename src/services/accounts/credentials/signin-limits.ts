/**
 * The password-guessing budgets: per account whatever the client addresses, per known device,
 * and per signed-in session. Only failures stay counted: an attempt takes one before bcrypt
 * runs (so concurrent guesses never exceed a budget) and gives it back when the password was
 * right. So the owner's own sign-ins spend nothing, and the number of 401s before the 429 is
 * the same for an active account, an idle one and an unknown address.
 * @module
 */
import type { Tier } from "../../../config.ts";
import {
  isCountedResult,
  limitOutcome,
  rateLimitedError,
  rateLimitHeaders,
  retryAfterSeconds,
} from "../../../ratelimit/headers.ts";
import type { LimitResult, LimitRule } from "../../../ratelimit/mod.ts";
import type { AccountDeps } from "../account-deps.ts";

/** Policy name of sign-ins to one address without a known device token. */
export const SIGNIN_ACCOUNT_POLICY = "signin_account";
/** Policy name of sign-ins with one known device token. */
export const SIGNIN_DEVICE_POLICY = "signin_device";
/**
 * Policy name of a signed-in session re-stating its password (change-password, change-email,
 * delete-account): its own budget, so strangers spending the account's cannot stop the owner.
 */
export const CURRENT_PASSWORD_SESSION_POLICY = "current_password_session";

/** Every limit spans an hour... */
export const SIGNIN_LIMIT_WINDOW_SECONDS = 3600;
/** ...and allows this many times the `auth` tier's per-minute number (10 with the defaults). */
export const SIGNIN_LIMIT_FACTOR = 2;

/** Failed sign-ins per address per hour without a known device token, from every client address together. */
export function signinAccountRule(limits: Readonly<Record<Tier, number>>): LimitRule {
  return { limit: limits.auth * SIGNIN_LIMIT_FACTOR, windowSeconds: SIGNIN_LIMIT_WINDOW_SECONDS };
}

/** Failed sign-ins per hour with one known device token: its own budget, untouched by other clients. */
export function signinDeviceRule(limits: Readonly<Record<Tier, number>>): LimitRule {
  return { limit: limits.auth * SIGNIN_LIMIT_FACTOR, windowSeconds: SIGNIN_LIMIT_WINDOW_SECONDS };
}

/** Wrong current passwords per signed-in session per hour: as many as a stranger gets at the sign-in form. */
export function currentPasswordSessionRule(limits: Readonly<Record<Tier, number>>): LimitRule {
  return { limit: limits.auth * SIGNIN_LIMIT_FACTOR, windowSeconds: SIGNIN_LIMIT_WINDOW_SECONDS };
}

/** One budget a password attempt spends: its policy, rule and whom it counts. */
export interface AttemptBudget {
  policy: string;
  rule: LimitRule;
  subject: string;
}

/** An attempt taken from a budget, to give back if the password was right. */
export interface TakenAttempt {
  budget: AttemptBudget;
  result: LimitResult;
}

function bucketOf(budget: AttemptBudget): string {
  return `signin:${budget.policy}`;
}

/** Takes one attempt from the budget before the password is checked; 429 when it is spent. */
export async function takeAttempt(deps: AccountDeps, budget: AttemptBudget): Promise<TakenAttempt> {
  const result = await deps.rateLimiter.limit(bucketOf(budget), budget.subject, budget.rule);
  deps.observer?.rateLimitDecision("auth", budget.policy, limitOutcome(result));
  if (!isCountedResult(result) || result.success) return { budget, result };
  const now = deps.clock.now().getTime();
  const headers = rateLimitHeaders([{ policy: budget.policy, rule: budget.rule, result }], now);
  throw rateLimitedError(retryAfterSeconds(result.reset, now), headers);
}

/** Gives the attempt back: the password was right, so it was no guess. */
export async function giveBackAttempt(deps: AccountDeps, taken: TakenAttempt): Promise<void> {
  if (!isCountedResult(taken.result)) return;
  const { budget, result } = taken;
  await deps.rateLimiter.refund(bucketOf(budget), budget.subject, budget.rule, result.store);
}

/**
 * True when this attempt took the budget's last unit: a failure now locks the budget (the next
 * attempt gets 429). Later attempts are refused before they count, so a lock trips once.
 */
export function tookLastAttempt(taken: TakenAttempt): boolean {
  return isCountedResult(taken.result) && taken.result.success && taken.result.remaining === 0;
}
