/** Account flows of the second factor, on the accounts app: enrol, activate, the two-step sign-in. */
import { assertEquals } from "../helpers/assert.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { type Api, postAs, postJson } from "../helpers/http.ts";
import type { AccountsApp } from "../accounts/_helpers.ts";
import type { ManualClock } from "../../src/clock.ts";
import { currentTotpCode, TOTP_PERIOD_SECONDS } from "../../src/services/mfa/totp.ts";
import type { TokenPair } from "../../src/services/identity.ts";

export { PASSWORD } from "../helpers/accounts.ts";

export interface EnrolledAccount {
  email: string;
  secret: string;
  recoveryCodes: string[];
  /** The pair of the sign-in that enrolled (aal 1) */
  tokens: TokenPair;
}

/** An app whose clock the test moves. */
type ClockedApp = Api & { clock: ManualClock };

/** The code an authenticator app shows now on the app's clock. */
export function codeNow(app: Pick<ClockedApp, "clock">, secret: string): string {
  return currentTotpCode(secret, app.clock.now());
}

/** Moves the app's clock to the next 30-second step, so a fresh code exists. */
export function nextStep(app: Pick<ClockedApp, "clock">): void {
  app.clock.advance(TOTP_PERIOD_SECONDS * 1000);
}

/** A verified account with an authenticator on: enrolled with a fresh sign-in, activated with its first code. */
export async function enrolledAccount(app: AccountsApp, label: string): Promise<EnrolledAccount> {
  const { email, tokens } = await signedInAccount(app, { label });
  return { email, tokens, ...await turnOnTotp(app, tokens.access_token) };
}

/**
 * Turns an authenticator on for the session of `accessToken` (signed in under 5 minutes ago):
 * enrol, then activate with the first code; the clock is left on the next step.
 */
export async function turnOnTotp(
  app: ClockedApp,
  accessToken: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await postAs(app, "/auth/mfa/totp", accessToken, {});
  assertEquals(started.status, 200, await started.clone().text());
  const { secret } = await started.json();
  const activated = await postAs(app, "/auth/mfa/totp/activate", accessToken, { code: codeNow(app, secret) });
  assertEquals(activated.status, 200, await activated.clone().text());
  const { recovery_codes: recoveryCodes } = await activated.json();
  // The activating code's step is used: the next sign-in needs the next one
  nextStep(app);
  return { secret, recoveryCodes };
}

/** The first step of a sign-in with a factor on; asserts the challenge. */
export async function mfaToken(app: Api, email: string, password: string): Promise<string> {
  const response = await postJson(app, "/auth/signin", { email, password });
  assertEquals(response.status, 200, await response.clone().text());
  const body = await response.json();
  assertEquals(body.mfa_required, true);
  return body.mfa_token;
}
