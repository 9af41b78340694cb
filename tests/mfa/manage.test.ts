import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { adminKey } from "../admin/_helpers.ts";
import { bearer, postAs, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, mfaToken, nextStep, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

async function problemCode(response: Response): Promise<string> {
  return (await response.json()).code;
}

function userIdOf(accessToken: string): string {
  return JSON.parse(atob(accessToken.split(".")[1].replaceAll("-", "+").replaceAll("_", "/"))).sub;
}

Deno.test("DELETE /admin/users/{id}/mfa turns the factor off, records the actor and mails the owner", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "adminoff");
    const userId = userIdOf(account.tokens.access_token);
    const key = await adminKey(app, ["users:write"], { name: "support-desk" });
    const response = await app.request(`/admin/users/${userId}/mfa`, bearer(key, { method: "DELETE" }));
    assertEquals(response.status, 204);
    const signin = await (await postJson(app, "/auth/signin", { email: account.email, password: PASSWORD })).json();
    assert(signin.access_token, "the password alone signs in again");
    const event = await database.db.selectFrom("security_events").select(["type", "actor"])
      .where("user_id", "=", userId).where("type", "=", "mfa_disabled").executeTakeFirstOrThrow();
    assertEquals(event.actor, "support-desk");
    await app.deliverMail();
    assert(
      // The activity mail (alone, or in a digest with the enrolment's notice)
      smtp.inbox(account.email).some((mail) => mail.text.includes("Support just turned two-step sign-in off")),
      "the owner is told",
    );
    const unknown = await app.request(
      "/admin/users/00000000-0000-4000-8000-000000000000/mfa",
      bearer(key, { method: "DELETE" }),
    );
    assertEquals(unknown.status, 404);
    await unknown.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/disable with a factor on: a password alone is 403 mfa_code_required; an aal-1 session cannot skip it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "disable");
    // The enrolling session signed in with a password alone (aal 1), a minute ago
    const noProof = await postAs(app, "/auth/mfa/disable", account.tokens.access_token, {});
    assertEquals([noProof.status, await problemCode(noProof)], [403, "reauthentication_required"]);
    const passwordOnly = await postAs(app, "/auth/mfa/disable", account.tokens.access_token, {
      current_password: PASSWORD,
    });
    assertEquals([passwordOnly.status, await problemCode(passwordOnly)], [403, "mfa_code_required"]);
    const wrongCode = await postAs(app, "/auth/mfa/disable", account.tokens.access_token, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, account.secret) === "000000" ? "111111" : "000000",
    });
    assertEquals([wrongCode.status, await problemCode(wrongCode)], [400, "invalid_mfa_code"]);
    // Past the sensitive tier's minute (5 requests per user)
    app.clock.advance(61_000);
    const done = await postAs(app, "/auth/mfa/disable", account.tokens.access_token, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, account.secret),
    });
    assertEquals(done.status, 204);
    const status = await (await app.request("/auth/mfa", {
      headers: { Authorization: `Bearer ${account.tokens.access_token}` },
    })).json();
    assertEquals(status.enabled, false);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/recovery-codes with a fresh aal-2 session: 10 new codes, the old ones dead", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "regen");
    const token = await mfaToken(app, account.email, PASSWORD);
    const pair =
      await (await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: codeNow(app, account.secret) }))
        .json();
    const response = await postAs(app, "/auth/mfa/recovery-codes", pair.access_token, {});
    assertEquals(response.status, 200, await response.clone().text());
    const { recovery_codes: fresh } = await response.json();
    assertEquals(fresh.length, 10);
    nextStep(app);
    const old = await postJson(app, "/auth/mfa/verify", {
      mfa_token: await mfaToken(app, account.email, PASSWORD),
      code: account.recoveryCodes[0],
    });
    assertEquals(await problemCode(old), "invalid_mfa_code");
    const renewed = await postJson(app, "/auth/mfa/verify", {
      mfa_token: await mfaToken(app, account.email, PASSWORD),
      code: fresh[0],
    });
    assertEquals(renewed.status, 200);
    await renewed.body?.cancel();
    // Five minutes later the same session must prove itself again
    app.clock.advance(301_000);
    const stale = await postAs(app, "/auth/mfa/recovery-codes", pair.access_token, {});
    assertEquals([stale.status, await problemCode(stale)], [403, "reauthentication_required"]);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/totp while a factor is on is 409 conflict; recovery codes are stored only as HMACs", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "activate");
    const again = await postAs(app, "/auth/mfa/totp", account.tokens.access_token, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, account.secret),
    });
    assertEquals([again.status, await problemCode(again)], [409, "conflict"]);
    const rows = await database.db.selectFrom("recovery_codes").select("code_hmac")
      .where("user_id", "=", userIdOf(account.tokens.access_token)).execute();
    assertEquals(rows.length, 10);
    for (const code of account.recoveryCodes) {
      assert(!rows.some((row) => row.code_hmac.includes(code)), "only HMACs are stored");
    }
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-password, /auth/change-email, /auth/delete-account with a factor on need mfa_code beside the password", async () => {
  const app = await accountsApp(database, smtp, { env: { RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000" } });
  try {
    const account = await enrolledAccount(app, "sensitive");
    const access = account.tokens.access_token;
    const requests: [string, Record<string, string>][] = [
      ["/auth/change-password", { current_password: PASSWORD, new_password: "tangerine submarine orchestra 42" }],
      ["/auth/change-email", { current_password: PASSWORD, new_email: `moved-${crypto.randomUUID()}@example.com` }],
      ["/auth/delete-account", { current_password: PASSWORD }],
    ];
    for (const [path, body] of requests) {
      const response = await postAs(app, path, access, body);
      assertEquals([path, response.status, await problemCode(response)], [path, 403, "mfa_code_required"]);
      const wrong = await postAs(app, path, access, { ...body, mfa_code: "12345" });
      assertEquals([path, wrong.status, await problemCode(wrong)], [path, 400, "invalid_mfa_code"]);
    }
    const changed = await postAs(app, "/auth/change-password", access, {
      ...requests[0][1],
      mfa_code: codeNow(app, account.secret),
    });
    assertEquals(changed.status, 200, await changed.clone().text());
    // The reset-free change kept the factor: the next sign-in still asks for it
    await mfaToken(app, account.email, "tangerine submarine orchestra 42");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/reauthenticate gives the session a pair with a fresh auth_time at aal 2; sensitive routes then take it alone", async () => {
  const app = await accountsApp(database, smtp, { env: { RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000" } });
  try {
    const account = await enrolledAccount(app, "reauth");
    app.clock.advance(600_000);
    const stale = await postAs(app, "/auth/mfa/recovery-codes", account.tokens.access_token, {});
    assertEquals([stale.status, await problemCode(stale)], [403, "reauthentication_required"]);
    const passwordOnly = await postAs(app, "/auth/reauthenticate", account.tokens.access_token, {
      current_password: PASSWORD,
    });
    assertEquals([passwordOnly.status, await problemCode(passwordOnly)], [403, "mfa_code_required"]);
    const response = await postAs(app, "/auth/reauthenticate", account.tokens.access_token, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, account.secret),
    });
    assertEquals(response.status, 200, await response.clone().text());
    const pair = await response.json();
    const claims = JSON.parse(atob(pair.access_token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/")));
    assertEquals([claims.amr, claims.aal], [["pwd", "otp"], 2]);
    assertEquals(claims.auth_time, Math.floor(app.clock.now().getTime() / 1000));
    assertEquals(claims.sid, JSON.parse(atob(account.tokens.access_token.split(".")[1])).sid);
    const regenerated = await postAs(app, "/auth/mfa/recovery-codes", pair.access_token, {});
    assertEquals(regenerated.status, 200);
    await regenerated.body?.cancel();
    // The session's earlier refresh token is spent
    const old = await postJson(app, "/auth/refresh", { refresh_token: account.tokens.refresh_token });
    assertEquals(old.status, 401);
    await old.body?.cancel();
  } finally {
    await app.close();
  }
});
