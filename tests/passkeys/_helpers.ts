/** Passkey ceremonies on the accounts app, answered by a software authenticator. */
import { assertEquals } from "../helpers/assert.ts";
import { postAs, postJson } from "../helpers/http.ts";
import { type AccountsApp, accountsApp } from "../accounts/_helpers.ts";
import type { TestDatabase } from "../helpers/database.ts";
import type { SmtpPeer } from "../helpers/smtp.ts";
import { type Ceremony, SoftAuthenticator } from "./soft-authenticator.ts";

export { SoftAuthenticator } from "./soft-authenticator.ts";

/** APP_URL of the test config: the default relying party is `localhost` and this origin. */
export const ORIGIN = "http://localhost:8000";

// deno-lint-ignore no-explicit-any -- options and bodies are read field by field
type Json = any;

/** The accounts app with room for many sensitive requests (each registration is two). */
export function passkeyApp(
  database: TestDatabase,
  smtp: Pick<SmtpPeer, "port" | "inbox">,
  env: Record<string, string> = {},
): Promise<AccountsApp> {
  return accountsApp(database, smtp, { env: { RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000", ...env } });
}

/** POST /auth/passkeys/registration/options with a fresh token (no password needed). */
export async function registrationOptions(app: AccountsApp, accessToken: string, proof: object = {}): Promise<Json> {
  const response = await postAs(app, "/auth/passkeys/registration/options", accessToken, proof);
  assertEquals(response.status, 200, await response.clone().text());
  return await response.json();
}

/** Options, the authenticator's answer, POST /auth/passkeys/registration; the saved passkey. */
export async function registerPasskey(
  app: AccountsApp,
  accessToken: string,
  authenticator: SoftAuthenticator,
  ceremony: Partial<Ceremony> = {},
  name?: string,
  proof: object = {},
): Promise<Json> {
  const options = await registrationOptions(app, accessToken, proof);
  const credential = authenticator.create(options, { origin: ORIGIN, ...ceremony });
  const response = await postAs(app, "/auth/passkeys/registration", accessToken, { credential, name });
  assertEquals(response.status, 201, await response.clone().text());
  return await response.json();
}

/** POST /auth/passkeys/signin/options (with the `mfa_token` of a password step for a second factor). */
export async function signinOptions(app: AccountsApp, body: { mfa_token?: string } = {}): Promise<Json> {
  const response = await postJson(app, "/auth/passkeys/signin/options", body);
  assertEquals(response.status, 200, await response.clone().text());
  return await response.json();
}

/** Fresh sign-in options answered by the authenticator: the assertion to send. */
export async function signinAssertion(
  app: AccountsApp,
  authenticator: SoftAuthenticator,
  ceremony: Partial<Ceremony> = {},
): Promise<Json> {
  return authenticator.get(await signinOptions(app), { origin: ORIGIN, ...ceremony });
}

export function postSignin(app: AccountsApp, credential: Json): Promise<Response> {
  return postJson(app, "/auth/passkeys/signin", { credential });
}
