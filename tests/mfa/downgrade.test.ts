import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { adminKey } from "../admin/_helpers.ts";
import { bearer, postJson } from "../helpers/http.ts";
import { mailWithSubject, SUBJECTS, tokenIn } from "../selfservice/_helpers.ts";
import { codeNow, enrolledAccount, mfaToken, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

Deno.test("POST /auth/signin at instance B asks for the factor turned on at instance A", async () => {
  const a = await accountsApp(database, smtp);
  const b = await accountsApp(database, smtp, { clock: a.clock });
  try {
    const account = await enrolledAccount(a, "instances");
    const token = await mfaToken(b, account.email, PASSWORD);
    const verified = await postJson(b, "/auth/mfa/verify", { mfa_token: token, code: codeNow(b, account.secret) });
    assertEquals(verified.status, 200);
    await verified.body?.cancel();
    // The step B accepted is spent at A too
    const replay = await postJson(a, "/auth/mfa/verify", {
      mfa_token: await mfaToken(a, account.email, PASSWORD),
      code: codeNow(a, account.secret),
    });
    assertEquals((await replay.json()).code, "invalid_mfa_code");
  } finally {
    await b.close();
    await a.close();
  }
});

Deno.test("POST /auth/reset-password keeps the factor and signs nobody in: the next sign-in still asks for it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "reset");
    assertEquals((await postJson(app, "/auth/request-password-reset", { email: account.email })).status, 202);
    const token = tokenIn(await mailWithSubject(app, smtp, account.email, SUBJECTS.reset), "reset");
    const newPassword = "tangerine submarine orchestra 42";
    const reset = await postJson(app, "/auth/reset-password", { token, new_password: newPassword });
    assertEquals(reset.status, 200);
    const body = await reset.json();
    assert(!("access_token" in body) && !("refresh_token" in body), "a reset hands out no token");
    await mfaToken(app, account.email, newPassword);
  } finally {
    await app.close();
  }
});

Deno.test("POST /oauth/introspect shows amr, aal and auth_time of an access token", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "introspect");
    const pair = await (await postJson(app, "/auth/mfa/verify", {
      mfa_token: await mfaToken(app, account.email, PASSWORD),
      code: account.recoveryCodes[1],
    })).json();
    const key = await adminKey(app, ["tokens:introspect"]);
    const response = await app.request(
      "/oauth/introspect",
      bearer(key, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: pair.access_token }).toString(),
      }),
    );
    const body = await response.json();
    assertEquals([body.active, body.amr, body.aal], [true, ["pwd", "mfa"], 2]);
    assertEquals(body.auth_time, Math.floor(app.clock.now().getTime() / 1000));
  } finally {
    await app.close();
  }
});
