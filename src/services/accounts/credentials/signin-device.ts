/**
 * The end of every successful sign-in (password, second step, passkey): the device is
 * remembered, and when it was not a known one on an account that signed in before, the owner
 * hears of it (event `new_device_signin`: an activity mail and the `security.new_device_signin`
 * webhook). An account's first sign-in stays silent, and so does one with a valid device token.
 * A device token is valid only for the account's token version, so one issued before a password
 * reset or a "this wasn't me" counts as unknown.
 * @module
 */
import { hasSignedInBefore } from "../../../repositories/known-devices.ts";
import { withEvents } from "../../audit-trail.ts";
import type { RequestMeta } from "../../identity.ts";
import type { AccountDeps } from "../account-deps.ts";
import { rememberDevice } from "./known-devices.ts";

/** Whether the sign-in came from a known device, and the device the client named when it did. */
export interface SigninDevice {
  /** A valid device token of this account came with the sign-in (or its first step) */
  known: boolean;
  /** The device and its token, to extend rather than replace (when the token is at hand) */
  device?: { id: string; token: string };
}

/** Remembers the sign-in's device, tells the owner when it is new; returns the device token for the client. */
export async function completeSigninDevice(
  deps: Pick<AccountDeps, "db" | "config" | "clock" | "observer">,
  user: { id: string; token_version: number },
  signin: SigninDevice,
  meta: RequestMeta,
): Promise<string> {
  // Asked before this device is remembered: afterwards every account has signed in before
  const tellOwner = !signin.known && await hasSignedInBefore(deps.db, user.id);
  const token = await rememberDevice(deps, user, signin.known ? signin.device : undefined);
  if (tellOwner) {
    const now = deps.clock.now();
    await withEvents(deps, (_trx, record) => record({ userId: user.id, type: "new_device_signin", ...meta, at: now }));
  }
  return token;
}
