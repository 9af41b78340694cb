import { createTestApp } from "../helpers/app.ts";
import { jsonBody, statusOf } from "../helpers/http.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { insertUserIfAbsent } from "../../src/repositories/users.ts";

const PASSWORD = "correct horse battery staple";
const USER_AGENT = "JessyApp/2.3 (iOS 18.1)";

Deno.test("sessions through the account routes", async (t) => {
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV });
  const { db } = testApp.database;
  const email = `e2e-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const signin = (password: string) =>
    testApp.request("/auth/signin", jsonBody({ email, password }, { "User-Agent": USER_AGENT }));
  try {
    await insertUserIfAbsent(db, {
      email,
      email_normalized: email,
      name: "E2E",
      password_hash: await testApp.deps.passwords.hash(PASSWORD),
      email_verified: true,
      created_at: new Date(),
      updated_at: new Date(),
    });

    await t.step("POST /auth/signin starts a session whose tokens open /auth/me and rotate", async () => {
      const response = await signin(PASSWORD);
      assertEquals(response.status, 200);
      const pair = await response.json();
      const me = await getMe(testApp, pair.access_token);
      assertEquals(me.status, 200);
      assertEquals((await me.json()).email, email);
      const rotated = await refresh(testApp, pair.refresh_token);
      assertEquals(rotated.status, 200);
      assertEquals(await statusOf(getMe(testApp, (await rotated.json()).access_token)), 200);
    });

    await t.step("a password reset ends every session started by sign-in", async () => {
      const before = await (await signin(PASSWORD)).json();
      assertEquals(await statusOf(testApp.request("/auth/request-password-reset", jsonBody({ email }))), 202);
      await testApp.deps.accounts.settled(); // the reset mail is queued after the answer
      const mail = await db.selectFrom("mail_outbox").selectAll().where("to_address", "=", email)
        .orderBy("created_at", "desc").executeTakeFirstOrThrow();
      const token = /#token=([A-Za-z0-9_-]+)/.exec(mail.text_body ?? "")?.[1];
      assert(token, "the reset mail carries a token");

      const reset = await testApp.request(
        "/auth/reset-password",
        jsonBody({ token, new_password: "an entirely new passphrase" }),
      );
      assert(reset.status >= 200 && reset.status < 300, `reset answered ${reset.status}`);
      await reset.body?.cancel();
      assertEquals(await statusOf(getMe(testApp, before.access_token)), 401);
      assertEquals(await statusOf(refresh(testApp, before.refresh_token)), 401);
      assertEquals(await statusOf(signin("an entirely new passphrase")), 200);
    });
  } finally {
    await testApp.close();
  }
});
