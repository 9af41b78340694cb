import { assertEquals } from "../helpers/assert.ts";
import { claimsOf } from "../helpers/claims.ts";
import { accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { bearer, jsonOf, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, mfaToken, nextStep, PASSWORD } from "../mfa/_helpers.ts";
import { passkeyApp, postSignin, registerPasskey, signinAssertion, SoftAuthenticator } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

function patch(accessToken: string, body: unknown): RequestInit {
  return bearer(accessToken, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function remove(accessToken: string, body: unknown = {}): RequestInit {
  return bearer(accessToken, {
    method: "DELETE",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("PATCH /auth/passkeys/{id} renames the account's passkey; another account's id is 404 not_found", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const alice = await signedInAccount(app, { label: "pk-rename" });
    const bob = await signedInAccount(app, { label: "pk-rename-other" });
    const passkey = await registerPasskey(app, alice.tokens.access_token, new SoftAuthenticator());
    const renamed = await jsonOf(
      app.request(`/auth/passkeys/${passkey.id}`, patch(alice.tokens.access_token, { name: "  Phone " })),
    );
    assertEquals([renamed.status, renamed.body.name], [200, "Phone"]);
    const foreign = await jsonOf(
      app.request(`/auth/passkeys/${passkey.id}`, patch(bob.tokens.access_token, { name: "Mine now" })),
    );
    assertEquals([foreign.status, foreign.body.code], [404, "not_found"]);
    const empty = await jsonOf(
      app.request(`/auth/passkeys/${passkey.id}`, patch(alice.tokens.access_token, { name: "" })),
    );
    assertEquals(empty.status, 422);
    const listed = await jsonOf(app.request("/auth/passkeys", bearer(alice.tokens.access_token)));
    assertEquals(listed.body.passkeys.map((p: { name: string }) => p.name), ["Phone"]);
  } finally {
    await app.close();
  }
});

Deno.test("DELETE /auth/passkeys/{id} needs the proof, records passkey_removed, and the passkey signs in no more", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "pk-delete" });
    const key = new SoftAuthenticator();
    const passkey = await registerPasskey(app, tokens.access_token, key);
    app.clock.advance(301_000);
    const stale = await jsonOf(app.request(`/auth/passkeys/${passkey.id}`, remove(tokens.access_token)));
    assertEquals([stale.status, stale.body.code], [403, "reauthentication_required"]);
    const removed = await app.request(
      `/auth/passkeys/${passkey.id}`,
      remove(tokens.access_token, { current_password: PASSWORD }),
    );
    assertEquals(removed.status, 204);
    const again = await jsonOf(
      app.request(`/auth/passkeys/${passkey.id}`, remove(tokens.access_token, { current_password: PASSWORD })),
    );
    assertEquals([again.status, again.body.code], [404, "not_found"]);
    const signin = await jsonOf(postSignin(app, await signinAssertion(app, key)));
    assertEquals([signin.status, signin.body.code], [401, "invalid_passkey"]);
    const events = await app.deps.database.db.selectFrom("security_events").select("type")
      .where("type", "=", "passkey_removed").where("user_id", "=", claimsOf(tokens.access_token).sub).execute();
    assertEquals(events.length, 1);
  } finally {
    await app.close();
  }
});

Deno.test("DELETE /auth/passkeys/{id}: the last passkey of an account with a factor on can go; methods drop passkey and a recovery code still finishes the sign-in", async () => {
  const app = await passkeyApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "pk-last");
    const proof = () => ({ current_password: PASSWORD, mfa_code: codeNow(app, account.secret) });
    const passkey = await registerPasskey(
      app,
      account.tokens.access_token,
      new SoftAuthenticator(),
      {},
      "Key",
      proof(),
    );
    nextStep(app);
    const withPasskey = await jsonOf(postJson(app, "/auth/signin", { email: account.email, password: PASSWORD }));
    assertEquals(withPasskey.body.methods, ["totp", "recovery_code", "passkey"]);
    const removed = await app.request(`/auth/passkeys/${passkey.id}`, remove(account.tokens.access_token, proof()));
    assertEquals(removed.status, 204);
    const token = await mfaToken(app, account.email, PASSWORD);
    const step = await jsonOf(postJson(app, "/auth/signin", { email: account.email, password: PASSWORD }));
    assertEquals(step.body.methods, ["totp", "recovery_code"]);
    const recovered = await jsonOf(
      postJson(app, "/auth/mfa/verify", { mfa_token: token, code: account.recoveryCodes[0] }),
    );
    assertEquals(recovered.status, 200, JSON.stringify(recovered.body));
  } finally {
    await app.close();
  }
});
