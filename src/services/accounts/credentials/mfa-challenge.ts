/**
 * The first step of a sign-in with a second factor on: the right password yields an
 * `mfa_token` (random, stored as its SHA-256; single use, 5 minutes, bound to the account and
 * its token version) instead of tokens. services/mfa/challenge.ts takes the second step.
 * @module
 */
import { base64url } from "../../../encoding.ts";
import { newRowId } from "../../../ids.ts";
import { insertMfaChallenge } from "../../../repositories/mfa-challenges.ts";
import { hasPasskey } from "../../../repositories/passkeys.ts";
import { sha256Hex } from "../../secrets.ts";
import type { AccountDeps } from "../account-deps.ts";

export const MFA_CHALLENGE_TTL_SECONDS = 300;
/** What a client may offer as the second step: both kinds of code, and a passkey when the account has one. */
export const MFA_METHODS = ["totp", "recovery_code", "passkey"] as const;

/** How the first step was proven: the password, or a passkey that did not verify the user (RFC 8176). */
export type FirstFactor = "pwd" | "hwk" | "swk";

/** The answer of a sign-in whose account has a factor on: no token pair, a challenge. */
export interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
  methods: typeof MFA_METHODS[number][];
  expires_in: number;
}

/**
 * Hands out the challenge of a sign-in whose first step was right. A passkey is offered as the
 * second step only after a password: after a passkey it would prove the same thing twice.
 */
export async function issueMfaChallenge(
  deps: Pick<AccountDeps, "db" | "clock">,
  user: { id: string; token_version: number },
  /** Whether the first step came with a valid device token: the second step's sign-in is from a known device */
  device: { deviceKnown: boolean },
  firstFactor: FirstFactor = "pwd",
): Promise<MfaChallenge> {
  const now = deps.clock.now();
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  await insertMfaChallenge(deps.db, {
    id: newRowId(),
    userId: user.id,
    tokenHash: sha256Hex(token),
    tokenVersion: user.token_version,
    deviceKnown: device.deviceKnown,
    now,
    expiresAt: new Date(now.getTime() + MFA_CHALLENGE_TTL_SECONDS * 1000),
    firstFactor,
  });
  const passkey = firstFactor === "pwd" && await hasPasskey(deps.db, user.id);
  const methods = MFA_METHODS.filter((method) => method !== "passkey" || passkey);
  return { mfa_required: true, mfa_token: token, methods, expires_in: MFA_CHALLENGE_TTL_SECONDS };
}
