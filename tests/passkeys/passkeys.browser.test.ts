/**
 * Passkeys in a real browser: Chromium's virtual authenticator makes real attestations and
 * assertions, so the server's verification is exercised end to end, as a web client drives it.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { skipWithout } from "../helpers/installed.ts";
import { PASSWORD } from "../helpers/accounts.ts";
import type { TestApp } from "../helpers/app.ts";
import { claimsOf } from "../helpers/claims.ts";
import { currentTotpCode } from "../../src/services/mfa/totp.ts";
import { account, browserAssert, browserRegister, type Live, live, pageWithAuthenticator } from "./browser.ts";

/** Turns the authenticator app on through the API; returns its secret. */
async function enableTotp(t: TestApp, accessToken: string): Promise<string> {
  const post = (path: string, body: object) =>
    t.request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(body),
    });
  const { secret } = await (await post("/auth/mfa/totp", {})).json();
  const activated = await post("/auth/mfa/totp/activate", { code: currentTotpCode(secret, new Date()) });
  assertEquals(activated.status, 200);
  await activated.body?.cancel();
  return secret;
}

async function passwordStep(t: TestApp, email: string): Promise<{ mfa_token: string; methods: string[] }> {
  const response = await t.request("/auth/signin", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  return await response.json();
}

const browserTest = (name: string, fn: (l: Live) => Promise<void>) =>
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    ignore: skipWithout("chromium"),
    async fn() {
      const l = await live();
      try {
        await fn(l);
      } finally {
        await l.close();
      }
    },
  });

browserTest(
  "browser: POST /auth/passkeys/registration from Chromium's authenticator, then POST /auth/passkeys/signin with no address → aal 2, amr [hwk, user]",
  async ({ t, browser, pageUrl }) => {
    const { user, accessToken } = await account(t, "browser-register");
    const { page } = await pageWithAuthenticator(await browser.newContext(), pageUrl);
    const registered = await browserRegister(page, accessToken);
    assertEquals(registered.status, 201, JSON.stringify(registered.body));
    assertEquals(registered.body.backup_state, "device_bound");
    const signedIn = await browserAssert(page, { target: "signin" });
    assertEquals(signedIn.status, 200, JSON.stringify(signedIn.body));
    const claims = claimsOf(signedIn.body.access_token);
    assertEquals([claims.sub, claims.amr, claims.aal], [user.id, ["hwk", "user"], 2]);
  },
);

browserTest(
  "browser: a passkey as the second factor of a password sign-in (methods lists passkey) → amr [pwd, hwk]",
  async ({ t, browser, pageUrl }) => {
    const { user, accessToken } = await account(t, "browser-2fa");
    const { page } = await pageWithAuthenticator(await browser.newContext(), pageUrl);
    const secret = await enableTotp(t, accessToken);
    // The factor is on: the proof is the password and a code
    const proof = { current_password: PASSWORD, mfa_code: currentTotpCode(secret, new Date(Date.now() + 30_000)) };
    const registered = await browserRegister(page, accessToken, proof);
    assertEquals(registered.status, 201, JSON.stringify(registered.body));
    const step = await passwordStep(t, user.email);
    assertEquals(step.methods, ["totp", "recovery_code", "passkey"]);
    const verified = await browserAssert(page, { mfaToken: step.mfa_token, target: "mfa" });
    assertEquals(verified.status, 200, JSON.stringify(verified.body));
    assertEquals(claimsOf(verified.body.access_token).amr, ["pwd", "hwk"]);
    assertEquals(claimsOf(verified.body.access_token).aal, 2);
  },
);

browserTest(
  "browser: user verification off → POST /auth/passkeys/signin still asks the account's second factor",
  async ({ t, browser, pageUrl }) => {
    const { accessToken } = await account(t, "browser-nouv");
    const { page } = await pageWithAuthenticator(await browser.newContext(), pageUrl);
    const secret = await enableTotp(t, accessToken);
    const proof = { current_password: PASSWORD, mfa_code: currentTotpCode(secret, new Date(Date.now() + 30_000)) };
    assertEquals((await browserRegister(page, accessToken, proof)).status, 201);
    // A client that does not ask for verification: the authenticator signs with the UV flag off
    const answer = await browserAssert(page, { target: "signin", userVerification: "discouraged" });
    assertEquals(answer.status, 200, JSON.stringify(answer.body));
    assertEquals(answer.body.mfa_required, true);
    assert(!("access_token" in answer.body));
    assertEquals(answer.body.methods, ["totp", "recovery_code"]);
  },
);

browserTest(
  "browser: a signature counter going backwards (a cloned authenticator) is refused with invalid_passkey and recorded as passkey_counter_regressed",
  async ({ t, browser, pageUrl }) => {
    const { user, accessToken } = await account(t, "browser-counter");
    const { page, cdp, authenticatorId } = await pageWithAuthenticator(await browser.newContext(), pageUrl);
    assertEquals((await browserRegister(page, accessToken)).status, 201);
    assertEquals((await browserAssert(page, { target: "signin" })).status, 200);
    assertEquals((await browserAssert(page, { target: "signin" })).status, 200);
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    assertEquals(credentials.length, 1);
    const [credential] = credentials;
    assert(credential.signCount >= 2, `signCount ${credential.signCount}`);
    // The clone: the same key, a counter from before the last two sign-ins
    await cdp.send("WebAuthn.removeCredential", { authenticatorId, credentialId: credential.credentialId });
    await cdp.send("WebAuthn.addCredential", {
      authenticatorId,
      credential: { ...credential, signCount: credential.signCount - 2 },
    });
    const refused = await browserAssert(page, { target: "signin" });
    assertEquals([refused.status, refused.body.code], [401, "invalid_passkey"]);
    const events = await t.deps.database.db.selectFrom("security_events").select("type")
      .where("user_id", "=", user.id).where("type", "=", "passkey_counter_regressed").execute();
    assertEquals(events.length, 1);
  },
);

browserTest(
  "browser: a second context's passkey (another account's) cannot answer this account's second factor",
  async ({ t, browser, pageUrl }) => {
    const alice = await account(t, "browser-alice");
    const mallory = await account(t, "browser-mallory");
    const alicePage = (await pageWithAuthenticator(await browser.newContext(), pageUrl)).page;
    const malloryPage = (await pageWithAuthenticator(await browser.newContext(), pageUrl)).page;
    const secret = await enableTotp(t, alice.accessToken);
    const proof = { current_password: PASSWORD, mfa_code: currentTotpCode(secret, new Date(Date.now() + 30_000)) };
    assertEquals((await browserRegister(alicePage, alice.accessToken, proof)).status, 201);
    assertEquals((await browserRegister(malloryPage, mallory.accessToken)).status, 201);
    // Alice's password leaked: Mallory's authenticator holds no passkey of Alice's
    const step = await passwordStep(t, alice.user.email);
    const listed = await browserAssert(malloryPage, { mfaToken: step.mfa_token, target: "mfa" });
    assertEquals(listed, { status: 0, body: { browser_error: "NotAllowedError" } });
    // Asked for any passkey it holds, it answers with Mallory's own: refused
    const step2 = await passwordStep(t, alice.user.email);
    const foreign = await browserAssert(malloryPage, { mfaToken: step2.mfa_token, target: "mfa", dropAllowList: true });
    assertEquals([foreign.status, foreign.body.code], [401, "invalid_passkey"]);
    // Alice's own passkey still works
    const own = await browserAssert(alicePage, { mfaToken: step2.mfa_token, target: "mfa" });
    assertEquals(own.status, 200, JSON.stringify(own.body));
    assertEquals(claimsOf(own.body.access_token).sub, alice.user.id);
  },
);
