import { findUserAndDevice } from "../../../repositories/known-devices.ts";
import { isDisabled } from "../../../repositories/admin-users.ts";
import type { AccountDeps } from "../account-deps.ts";
import { normalizeEmail } from "../email-address.ts";
import { verifyAndUpgrade } from "./password-upgrade.ts";
import { hashDeviceToken } from "./known-devices.ts";
import {
  type AttemptBudget,
  giveBackAttempt,
  SIGNIN_ACCOUNT_POLICY,
  SIGNIN_DEVICE_POLICY,
  signinAccountRule,
  signinDeviceRule,
  takeAttempt,
  type TakenAttempt,
  tookLastAttempt,
} from "./signin-limits.ts";
import { recordEvent, withEvents } from "../../audit-trail.ts";
import { completeSigninDevice } from "./signin-device.ts";
import type { RequestMeta, TokenPair } from "../../identity.ts";
import { AppError } from "../../../errors.ts";
import { hasActiveTotpFactor } from "../../../repositories/totp-factors.ts";
import { issueMfaChallenge, type MfaChallenge } from "./mfa-challenge.ts";

/** One error for an unknown address and a wrong password: the body must not tell them apart. */
export function invalidCredentialsError(): AppError {
  return new AppError("invalid_credentials", "The email or password is incorrect");
}

/** Sign-in (after the right password) and refresh of an account an administrator disabled. */
export function accountDisabledError(): AppError {
  return new AppError("account_disabled", "This account is disabled; contact support");
}

export interface SigninInput {
  email: string;
  password: string;
  /** The device token a previous sign-in from this device returned */
  device_token?: string;
}

/** A token pair and the device token to send on the next sign-in. */
export interface SigninResult extends TokenPair {
  device_token: string;
}

/** The right password: a token pair, or with a second factor on, the challenge of the second step. */
export type SigninAnswer = SigninResult | MfaChallenge;

/**
 * The budget a sign-in spends: the device's own when the client sent a device token this
 * account handed out (same token version, not expired), else the account's. The account's is
 * keyed on the address and its token version: an unknown address counts as version 0 like a
 * new account, so the 429 tells nothing, and a completed password reset (which bumps the
 * version) starts a fresh count.
 */
function signinBudget(
  deps: AccountDeps,
  emailNormalized: string,
  found: { user: { token_version: number }; deviceId: string | null } | undefined,
): AttemptBudget {
  const limits = deps.config.rateLimit.perMinute;
  return found?.deviceId ? { policy: SIGNIN_DEVICE_POLICY, rule: signinDeviceRule(limits), subject: found.deviceId } : {
    policy: SIGNIN_ACCOUNT_POLICY,
    rule: signinAccountRule(limits),
    subject: `${emailNormalized}#${found?.user.token_version ?? 0}`,
  };
}

/**
 * Checks the password and starts a session. An unknown address still costs one bcrypt
 * verification (against a dummy hash), so it answers as slowly as a wrong password. Only
 * the right password on an unverified account learns that the address needs verifying.
 * Every attempt takes one from the per-account budget first (or the known device's), so
 * guessing is bounded per account whatever the client address; the right password gives it back.
 * With a second factor on, the right password yields a challenge instead of tokens.
 */
export async function signin(deps: AccountDeps, input: SigninInput, meta: RequestMeta): Promise<SigninAnswer> {
  const emailNormalized = normalizeEmail(input.email);
  const deviceHash = input.device_token ? hashDeviceToken(input.device_token) : null;
  const found = await findUserAndDevice(deps.db, emailNormalized, deviceHash, deps.clock.now());
  const attempt = await takeAttempt(deps, signinBudget(deps, emailNormalized, found));
  const user = found?.user;
  const matches = await verifyAndUpgrade(deps, input.password, user);
  // The right password was no guess: only failures stay counted
  if (user && matches) await giveBackAttempt(deps, attempt);
  if (!user || !matches) {
    await recordEvent(deps, { userId: user?.id ?? null, type: "signin_failed", ...meta, at: deps.clock.now() });
    if (user) await recordLockTripped(deps, user.id, attempt, meta);
    throw invalidCredentialsError();
  }
  if (isDisabled(user, deps.clock.now())) {
    await recordEvent(deps, { userId: user.id, type: "signin_failed", ...meta, at: deps.clock.now() });
    throw accountDisabledError();
  }
  if (!user.email_verified) {
    await recordEvent(deps, { userId: user.id, type: "signin_failed", ...meta, at: deps.clock.now() });
    throw new AppError("email_not_verified", "Verify your email address with the code we sent, then sign in");
  }
  // The password alone signs nobody in once a factor is on: no session, no device, until the second step
  if (await hasActiveTotpFactor(deps.db, user.id)) {
    return await issueMfaChallenge(deps, user, { deviceKnown: found.deviceId !== null });
  }
  const known = found.deviceId && input.device_token ? { id: found.deviceId, token: input.device_token } : undefined;
  const tokens = await deps.sessions.startSession(user, meta, undefined, { knownDevice: known !== undefined });
  const deviceToken = await completeSigninDevice(deps, user, { known: known !== undefined, device: known }, meta);
  await recordEvent(deps, { userId: user.id, type: "signin_succeeded", ...meta, at: deps.clock.now() });
  return { ...tokens, device_token: deviceToken };
}

/**
 * The failure that spent the account's last attempt locks it: the owner hears of it once per
 * lock (event `signin_locked`), not once per refused attempt after it.
 */
async function recordLockTripped(deps: AccountDeps, userId: string, attempt: TakenAttempt, meta: RequestMeta) {
  if (attempt.budget.policy !== SIGNIN_ACCOUNT_POLICY || !tookLastAttempt(attempt)) return;
  const now = deps.clock.now();
  await withEvents(deps, (_trx, record) => record({ userId, type: "signin_locked", ...meta, at: now }));
}
