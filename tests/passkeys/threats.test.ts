/**
 * What a passkey ceremony refuses, with answers a software authenticator signed for real:
 * replays, challenges of another ceremony or account, foreign origins and RP ids, flags set
 * after signing, counters going backwards, probing for credentials, malformed data.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { claimsOf } from "../helpers/claims.ts";
import { jsonOf, postAs, postJson } from "../helpers/http.ts";
import { enrolledAccount, mfaToken, nextStep, PASSWORD } from "../mfa/_helpers.ts";
import { codeNow } from "../mfa/_helpers.ts";
import {
  ORIGIN,
  passkeyApp,
  postSignin,
  registerPasskey,
  registrationOptions,
  signinAssertion,
  signinOptions,
  SoftAuthenticator,
} from "./_helpers.ts";
import { base64url, fromBase64url } from "./soft-authenticator.ts";
import type { AccountsApp } from "../accounts/_helpers.ts";

const { database, smtp } = await accountsBackends();

async function withApp(fn: (app: AccountsApp) => Promise<void>, env: Record<string, string> = {}) {
  const app = await passkeyApp(database, smtp, env);
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

/** A signed-in account holding one passkey of `authenticator`. */
async function accountWithPasskey(app: AccountsApp, label: string, authenticator = new SoftAuthenticator()) {
  const account = await signedInAccount(app, { label });
  await registerPasskey(app, account.tokens.access_token, authenticator);
  return { ...account, authenticator, userId: claimsOf(account.tokens.access_token).sub };
}

async function eventsOf(app: AccountsApp, userId: string, type: string): Promise<number> {
  const rows = await app.deps.database.db.selectFrom("security_events").select("id")
    .where("user_id", "=", userId).where("type", "=", type).execute();
  return rows.length;
}

function expectInvalidPasskey(answer: { status: number; body: { code: string } }) {
  assertEquals([answer.status, answer.body.code], [401, "invalid_passkey"], JSON.stringify(answer.body));
}

Deno.test("POST /auth/passkeys/signin: a replayed assertion finds its challenge used up (401 invalid_passkey)", () =>
  withApp(async (app) => {
    const { authenticator } = await accountWithPasskey(app, "pk-replay");
    const assertion = await signinAssertion(app, authenticator);
    assertEquals((await jsonOf(postSignin(app, assertion))).status, 200);
    expectInvalidPasskey(await jsonOf(postSignin(app, assertion)));
  }));

Deno.test("POST /auth/passkeys/signin: racing the same assertion twice signs in once", () =>
  withApp(async (app) => {
    const { authenticator } = await accountWithPasskey(app, "pk-race");
    const assertion = await signinAssertion(app, authenticator);
    const answers = await Promise.all([jsonOf(postSignin(app, assertion)), jsonOf(postSignin(app, assertion))]);
    assertEquals(answers.map((a) => a.status).sort(), [200, 401]);
  }));

Deno.test("challenges answer their own ceremony only: a registration challenge as a sign-in, a sign-in challenge as a registration, a second-factor challenge as a sign-in", () =>
  withApp(async (app) => {
    const { tokens, authenticator } = await accountWithPasskey(app, "pk-cross");
    const creation = await registrationOptions(app, tokens.access_token);
    const request = await signinOptions(app);
    // The registration's challenge answered by a get(): refused, and the registration still works with it
    const asSignin = authenticator.get({ ...request, challenge: creation.challenge }, { origin: ORIGIN });
    expectInvalidPasskey(await jsonOf(postSignin(app, asSignin)));
    // The sign-in's challenge answered by a create()
    const asRegistration = new SoftAuthenticator().create({ ...creation, challenge: request.challenge }, {
      origin: ORIGIN,
    });
    const registration = await jsonOf(
      postAs(app, "/auth/passkeys/registration", tokens.access_token, { credential: asRegistration }),
    );
    assertEquals([registration.status, registration.body.code], [400, "invalid_passkey_registration"]);
    const owned = new SoftAuthenticator().create(creation, { origin: ORIGIN });
    const saved = await postAs(app, "/auth/passkeys/registration", tokens.access_token, { credential: owned });
    assertEquals(saved.status, 201);
    await saved.body?.cancel();
    // The sign-in's own challenge was untouched by the misuse
    assertEquals((await jsonOf(postSignin(app, authenticator.get(request, { origin: ORIGIN })))).status, 200);
  }));

Deno.test("POST /auth/passkeys/signin: the challenge of a second factor (options for an mfa_token) does not sign in by itself", () =>
  withApp(async (app) => {
    const account = await enrolledAccount(app, "pk-2fa-challenge");
    const key = new SoftAuthenticator();
    await registerPasskey(app, account.tokens.access_token, key, {}, undefined, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, account.secret),
    });
    nextStep(app);
    const token = await mfaToken(app, account.email, PASSWORD);
    const options = await signinOptions(app, { mfa_token: token });
    assertEquals(options.allowCredentials.map((c: { id: string }) => c.id), [key.id]);
    expectInvalidPasskey(await jsonOf(postSignin(app, key.get(options, { origin: ORIGIN }))));
  }));

Deno.test("POST /auth/passkeys/registration with another account's challenge is refused, and that account's own ceremony still works", () =>
  withApp(async (app) => {
    const alice = await signedInAccount(app, { label: "pk-alice" });
    const mallory = await signedInAccount(app, { label: "pk-mallory" });
    const aliceOptions = await registrationOptions(app, alice.tokens.access_token);
    const credential = new SoftAuthenticator().create(aliceOptions, { origin: ORIGIN });
    const stolen = await jsonOf(
      postAs(app, "/auth/passkeys/registration", mallory.tokens.access_token, { credential }),
    );
    assertEquals([stolen.status, stolen.body.code], [400, "invalid_passkey_registration"]);
    const own = await postAs(app, "/auth/passkeys/registration", alice.tokens.access_token, { credential });
    assertEquals(own.status, 201);
    await own.body?.cancel();
  }));

Deno.test("another origin or RP id: POST /auth/passkeys/registration is 400, POST /auth/passkeys/signin is 401, an unlisted android:apk-key-hash origin too", () =>
  withApp(async (app) => {
    const { tokens, authenticator } = await accountWithPasskey(app, "pk-origin");
    for (const ceremony of [{ origin: "https://evil.example" }, { origin: ORIGIN, rpId: "evil.example" }]) {
      const options = await registrationOptions(app, tokens.access_token);
      const credential = new SoftAuthenticator().create(options, ceremony);
      const refused = await jsonOf(postAs(app, "/auth/passkeys/registration", tokens.access_token, { credential }));
      assertEquals(
        [refused.status, refused.body.code],
        [400, "invalid_passkey_registration"],
        JSON.stringify(ceremony),
      );
      const request = await signinOptions(app);
      expectInvalidPasskey(await jsonOf(postSignin(app, authenticator.get(request, ceremony))));
    }
    const android = "android:apk-key-hash:IE7LaJE6dR5CSkLXjlJwpE0v1ESiV2JmSCdl8fnjmPA";
    const native = await jsonOf(postSignin(app, await signinAssertion(app, authenticator, { origin: android })));
    expectInvalidPasskey(native);
  }));

Deno.test("POST /auth/passkeys/signin from a listed android:apk-key-hash origin signs in", () =>
  withApp(async (app) => {
    const android = "android:apk-key-hash:IE7LaJE6dR5CSkLXjlJwpE0v1ESiV2JmSCdl8fnjmPA";
    const { authenticator } = await accountWithPasskey(app, "pk-android");
    const answer = await jsonOf(postSignin(app, await signinAssertion(app, authenticator, { origin: android })));
    assertEquals(answer.status, 200, JSON.stringify(answer.body));
  }, { WEBAUTHN_ORIGINS: `${ORIGIN},android:apk-key-hash:IE7LaJE6dR5CSkLXjlJwpE0v1ESiV2JmSCdl8fnjmPA` }));

Deno.test("POST /auth/passkeys/signin: the user-verification flag set after signing breaks the signature (401); without it, never aal 2", () =>
  withApp(async (app) => {
    const { authenticator } = await accountWithPasskey(app, "pk-uvflip");
    const assertion = await signinAssertion(app, authenticator, { userVerified: false });
    const authData = fromBase64url(assertion.response.authenticatorData);
    authData[32] |= 0x04;
    const flipped = { ...assertion, response: { ...assertion.response, authenticatorData: base64url(authData) } };
    expectInvalidPasskey(await jsonOf(postSignin(app, flipped)));
    const honest = await jsonOf(postSignin(app, await signinAssertion(app, authenticator, { userVerified: false })));
    assertEquals(honest.status, 200);
    assertEquals(claimsOf(honest.body.access_token).aal, 1);
  }));

Deno.test("POST /auth/passkeys/signin: a signature counter going backwards is refused and recorded as passkey_counter_regressed; a forged one (bad signature) records nothing", () =>
  withApp(async (app) => {
    const { authenticator, userId } = await accountWithPasskey(app, "pk-counter");
    assertEquals((await jsonOf(postSignin(app, await signinAssertion(app, authenticator)))).status, 200);
    assertEquals((await jsonOf(postSignin(app, await signinAssertion(app, authenticator)))).status, 200);
    // Forged: an old counter written into data the key never signed
    const forged = await signinAssertion(app, authenticator);
    const data = fromBase64url(forged.response.authenticatorData);
    data.set([0, 0, 0, 1], 33);
    forged.response.authenticatorData = base64url(data);
    expectInvalidPasskey(await jsonOf(postSignin(app, forged)));
    assertEquals(await eventsOf(app, userId, "passkey_counter_regressed"), 0);
    // A clone: the same key, its counter behind
    authenticator.counter = 1;
    expectInvalidPasskey(await jsonOf(postSignin(app, await signinAssertion(app, authenticator))));
    assertEquals(await eventsOf(app, userId, "passkey_counter_regressed"), 1);
    // An authenticator that keeps no counter (always 0) is not a clone
    const counterless = await accountWithPasskey(app, "pk-nocounter", new SoftAuthenticator({ counter: false }));
    for (let i = 0; i < 2; i++) {
      assertEquals((await jsonOf(postSignin(app, await signinAssertion(app, counterless.authenticator)))).status, 200);
    }
  }));

Deno.test("enumeration: POST /auth/passkeys/signin answers an unknown credential exactly as a known one with a bad signature; POST /auth/passkeys/signin/options is the same for everyone", () =>
  withApp(async (app) => {
    const { authenticator } = await accountWithPasskey(app, "pk-enum");
    const known = await signinAssertion(app, authenticator);
    known.response.signature = base64url(new Uint8Array(70).fill(7));
    const unknown = await signinAssertion(app, new SoftAuthenticator());
    const a = await jsonOf(postSignin(app, known));
    const b = await jsonOf(postSignin(app, unknown));
    const strip = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });
    assertEquals(strip(a.body), strip(b.body));
    assertEquals(a.status, b.status);
    const options = await signinOptions(app);
    assertEquals(Object.keys(options).sort(), ["challenge", "rpId", "timeout", "userVerification"]);
  }));

Deno.test("bad input: truncated CBOR is 400, wrong types and a huge clientDataJSON are 422, a body past the limit is 413, garbage data is 401 — never 500", () =>
  withApp(async (app) => {
    const { tokens, authenticator } = await accountWithPasskey(app, "pk-input");
    const options = await registrationOptions(app, tokens.access_token);
    const credential = new SoftAuthenticator().create(options, { origin: ORIGIN });
    const attestation = fromBase64url(credential.response.attestationObject);
    credential.response.attestationObject = base64url(attestation.slice(0, attestation.length - 20));
    const truncated = await jsonOf(postAs(app, "/auth/passkeys/registration", tokens.access_token, { credential }));
    assertEquals([truncated.status, truncated.body.code], [400, "invalid_passkey_registration"]);

    const assertion = await signinAssertion(app, authenticator);
    const cases: [string, unknown, number][] = [
      ["wrong type", { credential: { ...assertion, response: { ...assertion.response, signature: 12 } } }, 422],
      ["no response", { credential: { ...assertion, response: undefined } }, 422],
      ["not an object", { credential: "passkey" }, 422],
      ["huge clientDataJSON", {
        credential: { ...assertion, response: { ...assertion.response, clientDataJSON: "A".repeat(20_000) } },
      }, 422],
      ["past the body limit", {
        credential: { ...assertion, response: { ...assertion.response, clientDataJSON: "A".repeat(70_000) } },
      }, 413],
      ["clientDataJSON not JSON", {
        credential: {
          ...assertion,
          response: { ...assertion.response, clientDataJSON: base64url(new Uint8Array(40)) },
        },
      }, 401],
      ["authenticatorData truncated", {
        credential: { ...assertion, response: { ...assertion.response, authenticatorData: "SZYN5Ygo" } },
      }, 401],
    ];
    for (const [what, body, status] of cases) {
      const answer = await postJson(app, "/auth/passkeys/signin", body);
      assertEquals(answer.status, status, `${what}: ${await answer.clone().text()}`);
      await answer.body?.cancel();
    }
    // Nothing above broke the service: a fresh ceremony signs in
    const fresh = await jsonOf(postSignin(app, await signinAssertion(app, authenticator)));
    assertEquals(fresh.status, 200);
    assert(!app.logger.lines.some((line) => line.level === "error"), "no error logged");
  }));
