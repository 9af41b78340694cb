import { createLogger } from "../../src/logger.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { PASSWORD, signedInAccount, signIn } from "../helpers/accounts.ts";
import { postAs, postJson, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { mailWithSubject } from "./_helpers.ts";
import { getMe, refresh } from "../sessions/_helpers.ts";
import { claimsOf } from "../helpers/claims.ts";

const { database, smtp } = await accountsBackends();
const NEW_PASSWORD = "a brand new passphrase";

Deno.test("POST /auth/change-password: the other session dies on a second instance before the answer, this session gets a working pair", async () => {
  const cache = createTestCache(createLogger({ level: "error" }));
  const a = await accountsApp(database, smtp, { revocationCache: cache.cache });
  const b = await accountsApp(database, smtp, { revocationCache: cache.connect() });
  try {
    const { email, tokens: here } = await signedInAccount(a, { label: "chpw" });
    const other = await signIn(a, email);
    // Instance B has seen (and, with Redis, cached) both sessions as valid
    for (const pair of [here, other]) assertEquals(await statusOf(getMe(b, pair.access_token)), 200);

    const response = await postAs(a, "/auth/change-password", here.access_token, {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    assertEquals(response.status, 200);
    const renewed = await response.json();

    assertEquals(await statusOf(getMe(b, other.access_token)), 401, "the other session's access token");
    assertEquals(await statusOf(refresh(b, other.refresh_token)), 401, "the other session's refresh token");
    assertEquals(await statusOf(getMe(b, here.access_token)), 401, "this session's old access token");
    assertEquals(await statusOf(getMe(b, renewed.access_token)), 200, "the new pair works");
    assertEquals(claimsOf(renewed.access_token).sid, claimsOf(here.access_token).sid, "the same session");
    const refreshed = await refresh(b, renewed.refresh_token);
    assertEquals(refreshed.status, 200, "the new refresh token works");
    await refreshed.body?.cancel();

    const oldPassword = await postJson(a, "/auth/signin", { email, password: PASSWORD });
    assertEquals(oldPassword.status, 401);
    assertEquals((await oldPassword.json()).code, "invalid_credentials");
    await signIn(a, email, NEW_PASSWORD);

    const notice = await mailWithSubject(a, smtp, email, "Your Jessy AI password was changed");
    assert(notice.text.includes("http://localhost:8000/account/reset-password"), "the notice links to the reset page");
    const events = await database.db.selectFrom("security_events").innerJoin("users", "users.id", "user_id")
      .select("type").where("users.email_normalized", "=", email).where("type", "=", "password_changed").execute();
    assertEquals(events.length, 1);
  } finally {
    await a.close();
    await b.close();
    await cache.close();
  }
});

Deno.test("POST /auth/change-password: a wrong current password is 400 and spends this session's budget, not the account's sign-in budget", async () => {
  // auth tier 3 a minute: a session's budget is 6 failures an hour; the sensitive tier is out of the way
  const app = await accountsApp(database, smtp, {
    env: { RATE_LIMIT_AUTH_PER_MINUTE: "3", RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000" },
  });
  try {
    const { email, tokens } = await signedInAccount(app, { label: "chpw-wrong" });
    for (let attempt = 0; attempt < 6; attempt++) {
      const wrong = await postAs(app, "/auth/change-password", tokens.access_token, {
        current_password: "not the password",
        new_password: NEW_PASSWORD,
      });
      assertEquals(wrong.status, 400);
      const body = await wrong.json();
      assertEquals(body.code, "invalid_current_password");
      assertEquals(body.errors, [{ path: "current_password", message: "Does not match the account's password" }]);
    }
    const limited = await postAs(app, "/auth/change-password", tokens.access_token, {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    assertEquals(limited.status, 429, "the budget is spent, even for the right password");
    assertEquals((await limited.json()).code, "rate_limited");
    // The account's sign-in budget is another one, from any client address
    const signin = await app.request("/auth/signin", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    }, "203.0.113.77");
    assertEquals(signin.status, 200);
    await signin.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-password: the same password is 422 password_unchanged, a common one 422 password_breached", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "chpw-policy" });
    const same = await postAs(app, "/auth/change-password", tokens.access_token, {
      current_password: PASSWORD,
      new_password: PASSWORD,
    });
    assertEquals(same.status, 422);
    const sameBody = await same.json();
    assertEquals(sameBody.code, "password_unchanged");
    assertEquals(sameBody.errors[0].path, "new_password");
    const common = await postAs(app, "/auth/change-password", tokens.access_token, {
      current_password: PASSWORD,
      new_password: "password1",
    });
    assertEquals(common.status, 422);
    const commonBody = await common.json();
    assertEquals(commonBody.code, "password_breached");
    assertEquals(commonBody.errors[0].path, "new_password");
    assertEquals(await statusOf(getMe(app, tokens.access_token)), 200, "nothing was revoked");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-password is tier sensitive: the sixth request of a user in a minute is 429", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "chpw-tier" });
    const body = { current_password: PASSWORD, new_password: PASSWORD };
    for (let i = 0; i < 5; i++) {
      assertEquals(await statusOf(postAs(app, "/auth/change-password", tokens.access_token, body)), 422);
    }
    const limited = await postAs(app, "/auth/change-password", tokens.access_token, body);
    assertEquals(limited.status, 429);
    assertEquals(limited.headers.get("ratelimit-policy"), '"sensitive";q=5;w=60');
    await limited.body?.cancel();
  } finally {
    await app.close();
  }
});
