/** Account flows of the second factor, on the accounts app: enrol, activate, the two-step sign-in. */
import { assertEquals } from "../helpers/assert.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { postAs, postJson } from "../helpers/http.ts";
import type { AccountsApp } from "../accounts/_helpers.ts";
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

/** The code an authenticator app shows now on the app's clock. */
export function codeNow(app: AccountsApp, secret: string): string {
  return currentTotpCode(secret, app.clock.now());
}

/** Moves the app's clock to the next 30-second step, so a fresh code exists. */
export function nextStep(app: AccountsApp): void {
  app.clock.advance(TOTP_PERIOD_SECONDS * 1000);
}

/** A verified account with an authenticator on: enrolled with a fresh sign-in, activated with its first code. */
export async function enrolledAccount(app: AccountsApp, label: string): Promise<EnrolledAccount> {
  const { email, tokens } = await signedInAccount(app, { label });
  const started = await postAs(app, "/auth/mfa/totp", tokens.access_token, {});
  assertEquals(started.status, 200, await started.clone().text());
  const { secret } = await started.json();
  const activated = await postAs(app, "/auth/mfa/totp/activate", tokens.access_token, { code: codeNow(app, secret) });
  assertEquals(activated.status, 200, await activated.clone().text());
  const { recovery_codes: recoveryCodes } = await activated.json();
  // The activating code's step is used: the next sign-in needs the next one
  nextStep(app);
  return { email, secret, recoveryCodes, tokens };
}

/** The first step of a sign-in with a factor on; asserts the challenge. */
export async function mfaToken(app: AccountsApp, email: string, password: string): Promise<string> {
  const response = await postJson(app, "/auth/signin", { email, password });
  assertEquals(response.status, 200, await response.clone().text());
  const body = await response.json();
  assertEquals(body.mfa_required, true);
  return body.mfa_token;
}
