import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { claimsOf } from "../helpers/claims.ts";
import { bearer, jsonOf, postAs, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, nextStep, PASSWORD } from "../mfa/_helpers.ts";
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

const { database, smtp } = await accountsBackends();

Deno.test("POST /auth/passkeys/registration/options: resident key and user verification preferred, the account's passkeys excluded, RP from config", async () => {
  const app = await passkeyApp(database, smtp, { WEBAUTHN_RP_NAME: "Acme Test" });
  try {
    const { tokens } = await signedInAccount(app, { label: "pk-options" });
    const first = await registrationOptions(app, tokens.access_token);
    assertEquals(first.rp, { name: "Acme Test", id: "localhost" });
    assertEquals(first.authenticatorSelection.residentKey, "preferred");
    assertEquals(first.authenticatorSelection.userVerification, "preferred");
    assertEquals(first.excludeCredentials, []);
    const authenticator = new SoftAuthenticator();
    await registerPasskey(app, tokens.access_token, authenticator);
    const second = await registrationOptions(app, tokens.access_token);
    assertEquals(second.excludeCredentials.map((c: { id: string }) => c.id), [authenticator.id]);
    assert(first.challenge !== second.challenge);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/passkeys/registration saves the passkey (named by the client, else by its AAGUID); GET /auth/passkeys lists several", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "pk-register" });
    const named = await registerPasskey(app, tokens.access_token, new SoftAuthenticator(), {}, "Work laptop");
    assertEquals(named.name, "Work laptop");
    assertEquals(named.backup_state, "device_bound");
    const icloud = new SoftAuthenticator({ aaguid: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", synced: true });
    const synced = await registerPasskey(app, tokens.access_token, icloud);
    assertEquals(synced.name, "iCloud Keychain");
    assertEquals(synced.backup_state, "synced");
    const unknown = await registerPasskey(app, tokens.access_token, new SoftAuthenticator());
    assertEquals(unknown.name, "Passkey");
    const { status, body } = await jsonOf(app.request("/auth/passkeys", bearer(tokens.access_token)));
    assertEquals(status, 200);
    assertEquals(body.passkeys.map((p: { id: string }) => p.id), [named.id, synced.id, unknown.id]);
    assertEquals(body.passkeys[0].last_used_at, null);
    assert(!("public_key" in body.passkeys[0]) && !("counter" in body.passkeys[0]));
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/passkeys/registration/options needs the proof: a token older than 5 minutes without a password is 403 reauthentication_required", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "pk-proof" });
    app.clock.advance(301_000);
    const stale = await jsonOf(postAs(app, "/auth/passkeys/registration/options", tokens.access_token, {}));
    assertEquals([stale.status, stale.body.code], [403, "reauthentication_required"]);
    const wrong = await jsonOf(
      postAs(app, "/auth/passkeys/registration/options", tokens.access_token, { current_password: "nope-nope" }),
    );
    assertEquals([wrong.status, wrong.body.code], [400, "invalid_current_password"]);
    await registrationOptions(app, tokens.access_token, { current_password: "correct horse battery" });
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/passkeys/signin with no address: user verified → the pair at aal 2, amr [hwk, user]; a synced passkey → swk; records passkey_added and signin_succeeded", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "pk-signin" });
    const deviceBound = new SoftAuthenticator();
    const synced = new SoftAuthenticator({ synced: true });
    await registerPasskey(app, tokens.access_token, deviceBound);
    await registerPasskey(app, tokens.access_token, synced);
    const options = await signinOptions(app);
    assertEquals(options.allowCredentials ?? [], [], "no credential listed: nothing about any account");
    assertEquals(options.rpId, "localhost");
    const { status, body } = await jsonOf(postSignin(app, deviceBound.get(options, { origin: ORIGIN })));
    assertEquals(status, 200);
    assert(body.access_token && body.refresh_token && body.device_token);
    const claims = claimsOf(body.access_token);
    assertEquals([claims.amr, claims.aal], [["hwk", "user"], 2]);
    assertEquals(claims.sub, claimsOf(tokens.access_token).sub);
    const viaSynced = await jsonOf(postSignin(app, await signinAssertion(app, synced)));
    assertEquals(claimsOf(viaSynced.body.access_token).amr, ["swk", "user"]);
    // The session works like any other
    const me = await app.request("/auth/me", bearer(body.access_token));
    assertEquals(me.status, 200);
    await me.body?.cancel();
    const listed = await jsonOf(app.request("/auth/passkeys", bearer(body.access_token)));
    assert(listed.body.passkeys.every((p: { last_used_at: string | null }) => p.last_used_at !== null));
    const events = await app.deps.database.db.selectFrom("security_events").select("type")
      .where("user_id", "=", claims.sub).execute();
    const types = events.map((e) => e.type);
    assertEquals(types.filter((t) => t === "passkey_added").length, 2);
    assertEquals(types.filter((t) => t === "signin_succeeded").length, 3);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/passkeys/signin without user verification: no factor → aal 1, amr [hwk]; a factor on → mfa_required (no passkey method), finished with a TOTP code as amr [hwk, otp]", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const plain = await signedInAccount(app, { label: "pk-nouv" });
    const plainKey = new SoftAuthenticator();
    await registerPasskey(app, plain.tokens.access_token, plainKey);
    const low = await jsonOf(postSignin(app, await signinAssertion(app, plainKey, { userVerified: false })));
    assertEquals(low.status, 200);
    assertEquals([claimsOf(low.body.access_token).amr, claimsOf(low.body.access_token).aal], [["hwk"], 1]);

    const account = await enrolledAccount(app, "pk-nouv-mfa");
    const key = new SoftAuthenticator();
    await registerPasskey(app, account.tokens.access_token, key, {}, undefined, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, account.secret),
    });
    nextStep(app);
    const first = await jsonOf(postSignin(app, await signinAssertion(app, key, { userVerified: false })));
    assertEquals(first.status, 200);
    assertEquals(first.body.mfa_required, true);
    assert(!("access_token" in first.body));
    assertEquals(first.body.methods, ["totp", "recovery_code"]);
    const verified = await jsonOf(
      postJson(app, "/auth/mfa/verify", { mfa_token: first.body.mfa_token, code: codeNow(app, account.secret) }),
    );
    assertEquals(verified.status, 200, JSON.stringify(verified.body));
    assertEquals(claimsOf(verified.body.access_token).amr, ["hwk", "otp"]);
    assertEquals(claimsOf(verified.body.access_token).aal, 2);
    // With verification, the passkey alone satisfies the factor
    const full = await jsonOf(postSignin(app, await signinAssertion(app, key)));
    assertEquals(claimsOf(full.body.access_token).aal, 2);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/passkeys/signin for an account an administrator disabled is 403 account_disabled, after the assertion checked out", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "pk-disabled" });
    const key = new SoftAuthenticator();
    await registerPasskey(app, tokens.access_token, key);
    await app.deps.database.db.updateTable("users").set({ disabled_at: app.clock.now() })
      .where("id", "=", claimsOf(tokens.access_token).sub).execute();
    const refused = await jsonOf(postSignin(app, await signinAssertion(app, key)));
    assertEquals([refused.status, refused.body.code], [403, "account_disabled"]);
    // A stranger's assertion still meets the one answer for every failure
    const stranger = await jsonOf(postSignin(app, await signinAssertion(app, new SoftAuthenticator())));
    assertEquals([stranger.status, stranger.body.code], [401, "invalid_passkey"]);
  } finally {
    await app.close();
  }
});
