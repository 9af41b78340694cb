/**
 * The challenges of the WebAuthn ceremonies: random, stored as their SHA-256, single use,
 * 5 minutes, bound to one ceremony (and for a registration or a second factor to one account).
 * An answer names its challenge inside `clientDataJSON`: the challenge is looked up from there
 * and used up before anything is verified, so a replayed or re-routed answer finds it gone.
 * @module
 */
import { base64url, fromBase64url } from "../../encoding.ts";
import { newRowId } from "../../ids.ts";
import {
  type Ceremony,
  consumeWebauthnChallenge,
  insertWebauthnChallenge,
} from "../../repositories/webauthn-challenges.ts";
import { sha256Hex } from "../secrets.ts";
import type { PasskeyDeps } from "./passkey-deps.ts";

export const CEREMONY_TTL_SECONDS = 300;

/** A new challenge for `ceremony`, stored; returned as the base64url the options carry. */
export async function newCeremonyChallenge(
  deps: Pick<PasskeyDeps, "db" | "clock">,
  ceremony: Ceremony,
  binding: { userId?: string; mfaChallengeId?: string } = {},
): Promise<string> {
  const challenge = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const now = deps.clock.now();
  await insertWebauthnChallenge(deps.db, {
    id: newRowId(),
    challengeHash: sha256Hex(challenge),
    ceremony,
    userId: binding.userId ?? null,
    mfaChallengeId: binding.mfaChallengeId ?? null,
    now,
    expiresAt: new Date(now.getTime() + CEREMONY_TTL_SECONDS * 1000),
  });
  return challenge;
}

/** The `challenge` member of a base64url `clientDataJSON`, or null when it cannot be read. */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64url(clientDataJSON)));
    return typeof parsed?.challenge === "string" && parsed.challenge.length <= 256 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

/**
 * Uses up the live challenge the answer names, for this ceremony (and this account when given);
 * returns it with what it was bound to, or null.
 */
export async function takeCeremonyChallenge(
  deps: Pick<PasskeyDeps, "db" | "clock">,
  clientDataJSON: string,
  ceremony: Ceremony,
  userId?: string,
): Promise<{ challenge: string; userId: string | null; mfaChallengeId: string | null } | null> {
  const challenge = challengeOf(clientDataJSON);
  if (!challenge) return null;
  const row = await consumeWebauthnChallenge(deps.db, {
    challengeHash: sha256Hex(challenge),
    ceremony,
    userId,
    now: deps.clock.now(),
  });
  return row ? { challenge, userId: row.user_id, mfaChallengeId: row.mfa_challenge_id } : null;
}
