/**
 * Passkey ceremonies in headless Chromium with its virtual authenticator (CDP `WebAuthn.*`):
 * the page fetches the options, runs `navigator.credentials.create()`/`.get()` and posts the
 * `toJSON()` of the answer, as a web client does. The app is served on `localhost` (an IP
 * address is never a valid RP id), its origin listed in WEBAUTHN_ORIGINS.
 * @module
 */
import type { Browser, BrowserContext, CDPSession, Page } from "npm:playwright-core@1.65.1";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import type { UserRow } from "../../src/db/schema.ts";

export interface VirtualAuthenticator {
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

/** A page of `context` at `url` with a virtual platform authenticator that keeps passkeys and verifies the user. */
export async function pageWithAuthenticator(context: BrowserContext, url: string): Promise<VirtualAuthenticator> {
  const page = await context.newPage();
  await page.goto(url);
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { page, cdp, authenticatorId };
}

/** A free port on loopback, to name the origin before the server starts. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export interface Live {
  t: TestApp;
  browser: Browser;
  /** The passkey page on `localhost`: the service's origin, its CSP lets it call the API */
  pageUrl: string;
  close(): Promise<void>;
}

/** The app served on localhost (its origin the relying party's), and Chromium. */
export async function live(): Promise<Live> {
  const port = freePort();
  const origin = `http://localhost:${port}`;
  const t = await createTestApp({
    env: {
      APP_URL: origin,
      WEBAUTHN_ORIGINS: origin,
      RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000",
      RATE_LIMIT_AUTH_PER_MINUTE: "1000",
    },
  });
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, signal: controller.signal, onListen: () => {} },
    (request, info) => t.app.fetch(request, info),
  );
  const browser = await launchBrowser();
  return {
    t,
    browser,
    pageUrl: `${origin}/account/passkeys`,
    async close() {
      await browser.close();
      controller.abort();
      await server.finished;
      await t.close();
    },
  };
}

/** A verified account written to the database, and a fresh session's access token. */
export async function account(t: TestApp, label: string): Promise<{ user: UserRow; accessToken: string }> {
  const user = await insertedUser(t.deps.database.db, label, { passwords: t.deps.passwords, verified: true });
  return { user, accessToken: (await newSession(t, user)).access_token };
}

// deno-lint-ignore no-explicit-any -- answers are read field by field
type Json = any;

/** Registers a passkey from the page: options (with `proof`), create(), POST …/registration. */
export function browserRegister(page: Page, accessToken: string, proof: object = {}): Promise<Json> {
  return page.evaluate(async ({ accessToken, proof }) => {
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` };
    const optionsResponse = await fetch("/auth/passkeys/registration/options", {
      method: "POST",
      headers,
      body: JSON.stringify(proof),
    });
    const options = await optionsResponse.json();
    if (!optionsResponse.ok) return { status: optionsResponse.status, body: options };
    // deno-lint-ignore no-explicit-any -- the browser's own API, newer than the DOM types here
    const PKC = (globalThis as any).PublicKeyCredential;
    // deno-lint-ignore no-explicit-any
    const credential = await (navigator as any).credentials.create({
      publicKey: PKC.parseCreationOptionsFromJSON(options),
    });
    // deno-lint-ignore no-explicit-any
    const json = (credential as any).toJSON();
    const response = await fetch("/auth/passkeys/registration", {
      method: "POST",
      headers,
      body: JSON.stringify({ credential: json }),
    });
    return { status: response.status, body: await response.json() };
  }, { accessToken, proof });
}

/**
 * Runs a get() ceremony in the page: options from POST /auth/passkeys/signin/options (with
 * `mfa_token` for a second factor), the assertion's `toJSON()` posted to `target` (the sign-in,
 * or POST /auth/mfa/verify). `dropAllowList` asks the authenticator for any passkey it holds;
 * `userVerification` overrides the options' (a client that does not ask for it).
 */
export function browserAssert(
  page: Page,
  input: { mfaToken?: string; target: "signin" | "mfa"; dropAllowList?: boolean; userVerification?: string },
): Promise<Json> {
  return page.evaluate(async ({ mfaToken, target, dropAllowList, userVerification }) => {
    const headers = { "Content-Type": "application/json" };
    const optionsResponse = await fetch("/auth/passkeys/signin/options", {
      method: "POST",
      headers,
      body: JSON.stringify(mfaToken ? { mfa_token: mfaToken } : {}),
    });
    const options = await optionsResponse.json();
    if (!optionsResponse.ok) return { status: optionsResponse.status, body: options };
    if (dropAllowList) delete options.allowCredentials;
    if (userVerification) options.userVerification = userVerification;
    // deno-lint-ignore no-explicit-any
    const PKC = (globalThis as any).PublicKeyCredential;
    let credential;
    try {
      // deno-lint-ignore no-explicit-any
      credential = await (navigator as any).credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(options) });
    } catch (error) {
      return { status: 0, body: { browser_error: (error as Error).name } };
    }
    // deno-lint-ignore no-explicit-any
    const json = (credential as any).toJSON();
    const response = target === "signin"
      ? await fetch("/auth/passkeys/signin", { method: "POST", headers, body: JSON.stringify({ credential: json }) })
      : await fetch("/auth/mfa/verify", {
        method: "POST",
        headers,
        body: JSON.stringify({ mfa_token: mfaToken, passkey: json }),
      });
    return { status: response.status, body: await response.json() };
  }, input);
}
