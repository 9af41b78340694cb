import { base64url } from "../../../encoding.ts";
import { insertKnownDevice, touchKnownDevice } from "../../../repositories/known-devices.ts";
import { sha256Hex } from "../../secrets.ts";
import type { AccountDeps } from "../account-deps.ts";

const DEVICE_TOKEN_BYTES = 32;

/** What the database keeps of a device token. */
export function hashDeviceToken(token: string): string {
  return sha256Hex(token);
}

/**
 * After a successful sign-in: extends the device the client named, or remembers a new one.
 * Returns the device token the client sends on its next sign-in (the same one when it was
 * valid). A device token only exempts its holder from other clients' failures: it never
 * signs anyone in by itself.
 */
export async function rememberDevice(
  deps: Pick<AccountDeps, "db" | "clock" | "config">,
  user: { id: string; token_version: number },
  known: { id: string; token: string } | undefined,
): Promise<string> {
  const now = deps.clock.now();
  // Known as long as the longest session from it may live (SESSION_MAX_LIFETIME_SECONDS, 90 days by
  // default) after its last sign-in; housekeeping forgets it after that
  const expiresAt = new Date(now.getTime() + deps.config.sessionMaxLifetimeSeconds * 1000);
  if (known) {
    await touchKnownDevice(deps.db, known.id, now, expiresAt);
    return known.token;
  }
  const token = base64url(crypto.getRandomValues(new Uint8Array(DEVICE_TOKEN_BYTES)));
  await insertKnownDevice(deps.db, {
    userId: user.id,
    tokenHash: hashDeviceToken(token),
    tokenVersion: user.token_version,
    now,
    expiresAt,
  });
  return token;
}
