import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { postJson } from "../helpers/http.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { resetTokenOf, startSmtpPeer } from "../helpers/smtp.ts";
import { TEST_SECRETS } from "../helpers/env.ts";
import { deriveHmacKey, hmacHex, keyFingerprint } from "../../src/services/secrets.ts";
import { type AccountsApp, accountsApp, bodyWithoutRequestId } from "./_helpers.ts";
import { PASSWORD, signedInAccount, uniqueEmail } from "../helpers/accounts.ts";

const database = await createTestDatabase();
const smtp = await startSmtpPeer();
const NEW_PASSWORD = "a brand new passphrase";

Deno.test.afterAll(async () => {
  await smtp.close();
  await database.close();
});

/** Requests a reset and returns the reset mail that arrives, with its token. */
async function requestReset(app: AccountsApp, email: string, headers?: Record<string, string>) {
  const resetMails = () => smtp.inbox(email).filter((mail) => mail.subject === "Reset your Jessy AI password");
  const before = resetMails().length;
  assertEquals((await postJson(app, "/auth/request-password-reset", { email }, headers)).status, 202);
  await app.deliverMail();
  await smtp.waitForMail(email);
  const mail = resetMails()[before];
  assert(mail, "the reset mail arrived");
  return { mail, token: resetTokenOf(mail) };
}

Deno.test("the reset link uses APP_URL even when Host and X-Forwarded-Host are forged", async () => {
  const app = await accountsApp(database, smtp, { env: { APP_URL: "https://accounts.jessy-ai.com" } });
  try {
    const { email } = await signedInAccount(app, { label: "host" });
    const { mail, token } = await requestReset(app, email, {
      Host: "evil.example",
      "X-Forwarded-Host": "evil.example",
      "X-Forwarded-Proto": "http",
    });
    assertEquals(mail.subject, "Reset your Jessy AI password");
    assert(mail.text.includes(`https://accounts.jessy-ai.com/account/reset-password#token=${token}`), mail.text);
    assert(mail.html.includes(`https://accounts.jessy-ai.com/account/reset-password#token=${token}`), mail.html);
    assert(!mail.text.includes("?token=") && !mail.html.includes("?token="), "the token is never in a query");
    assert(!mail.text.includes("evil.example") && !mail.html.includes("evil.example"));
    assertMatch(token, /^[A-Za-z0-9_-]{43}$/);
    assert(mail.text.includes(`reset token in the app: ${token}`), "the bare token is in the mail too");
  } finally {
    await app.close();
  }
});

Deno.test("the database keeps only an HMAC of a reset token, and the id of the key that made it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "hash" });
    const { token } = await requestReset(app, email);
    const rows = await database.db
      .selectFrom("password_reset_tokens")
      .innerJoin("users", "users.id", "password_reset_tokens.user_id")
      .select(["token_hash", "hmac_key_id", "expires_at", "password_reset_tokens.created_at"])
      .where("users.email_normalized", "=", email)
      .execute();
    assertEquals(rows.length, 1);
    // HMAC_SECRET is unset in these tests: the key is derived from JWT_SECRET
    const key = deriveHmacKey(TEST_SECRETS.JWT_SECRET, "password-reset-token v1");
    assertEquals(rows[0].token_hash, await hmacHex(key, token));
    assertEquals(rows[0].hmac_key_id, keyFingerprint(TEST_SECRETS.JWT_SECRET));
    assertEquals(rows[0].expires_at.getTime() - rows[0].created_at.getTime(), 15 * 60_000);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/reset-password changes the password, revokes every session, bumps the token version and mails a notice", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email, tokens: first } = await signedInAccount(app, { label: "reset" });
    const second = await (await postJson(app, "/auth/signin", { email, password: PASSWORD })).json();
    const me = (access: string) => app.request("/auth/me", { headers: { Authorization: `Bearer ${access}` } });
    assertEquals((await me(first.access_token)).status, 200);
    const user = await database.db.selectFrom("users").selectAll().where("email_normalized", "=", email)
      .executeTakeFirstOrThrow();
    const { token } = await requestReset(app, email);

    const response = await postJson(app, "/auth/reset-password", { token, new_password: NEW_PASSWORD });
    assertEquals(response.status, 200);
    assertEquals((await response.json()).password_reset, true);

    const after = await database.db.selectFrom("users").selectAll().where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    assertEquals(after.token_version, user.token_version + 1);
    const sessions = await database.db.selectFrom("sessions").selectAll().where("user_id", "=", user.id).execute();
    assertEquals(sessions.length, 2);
    assert(sessions.every((s) => s.revoked_at !== null), "every session is revoked");
    for (const pair of [first, second]) {
      const rejected = await me(pair.access_token);
      assertEquals(rejected.status, 401, "the old access token is dead");
      assertEquals((await rejected.json()).code, "invalid_token");
      const refresh = await postJson(app, "/auth/refresh", { refresh_token: pair.refresh_token });
      assertEquals(refresh.status, 401, "the old refresh token is dead");
      await refresh.body?.cancel();
    }

    assertEquals((await postJson(app, "/auth/signin", { email, password: PASSWORD })).status, 401);
    assertEquals((await postJson(app, "/auth/signin", { email, password: NEW_PASSWORD })).status, 200);

    await app.deliverMail();
    // The second sign-in (a new device) also mailed an activity notice
    const mails = await smtp.waitForMail(email, 4);
    assert(mails.some((mail) => mail.subject === "Your Jessy AI password was changed"), "the notice");
    const events = await database.db.selectFrom("security_events").select("type").where("user_id", "=", user.id)
      .execute();
    const types = events.map((e) => e.type);
    assert(types.includes("password_reset_requested") && types.includes("password_reset"), types.join(","));
  } finally {
    await app.close();
  }
});

Deno.test("parallel uses of one reset token succeed exactly once", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "parallel" });
    const { token } = await requestReset(app, email);
    const responses = await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) => postJson(app, "/auth/reset-password", { token, new_password: `${NEW_PASSWORD} ${i}` }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    assertEquals(statuses.filter((s) => s === 200).length, 1, statuses.join(","));
    assertEquals(statuses.filter((s) => s === 400).length, 7);
    const user = await database.db.selectFrom("users").select("token_version").where("email_normalized", "=", email)
      .executeTakeFirstOrThrow();
    assertEquals(user.token_version, 1, "sessions were revoked once");
  } finally {
    await app.close();
  }
});

Deno.test("a reset token expires after 15 minutes by the injected clock", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "expiry" });
    const { token } = await requestReset(app, email);
    app.clock.advance(15 * 60_000);
    const response = await postJson(app, "/auth/reset-password", { token, new_password: NEW_PASSWORD });
    assertEquals(response.status, 400);
    assertEquals((await response.json()).code, "invalid_reset_token");
  } finally {
    await app.close();
  }
});

Deno.test("a second request within a minute sends nothing and the first link stays valid", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "flood" });
    const first = await requestReset(app, email);
    app.clock.advance(59_000);
    for (let i = 0; i < 3; i++) {
      assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
    }
    await app.deliverMail();
    assertEquals(smtp.inbox(email).filter((mail) => mail.subject === first.mail.subject).length, 1);
    assertEquals(
      (await postJson(app, "/auth/reset-password", { token: first.token, new_password: NEW_PASSWORD })).status,
      200,
    );
  } finally {
    await app.close();
  }
});

Deno.test("a second request kills the first token; the second still works", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "second" });
    const first = await requestReset(app, email);
    app.clock.advance(61_000);
    const second = await requestReset(app, email);
    assert(first.token !== second.token);
    assertEquals(
      (await postJson(app, "/auth/reset-password", { token: first.token, new_password: NEW_PASSWORD })).status,
      400,
    );
    assertEquals(
      (await postJson(app, "/auth/reset-password", { token: second.token, new_password: NEW_PASSWORD })).status,
      200,
    );
  } finally {
    await app.close();
  }
});

Deno.test("expired, used, unknown and superseded reset tokens give one identical error body", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const a = await signedInAccount(app, { label: "used" });
    const used = (await requestReset(app, a.email)).token;
    assertEquals(
      (await postJson(app, "/auth/reset-password", { token: used, new_password: NEW_PASSWORD })).status,
      200,
    );
    const b = await signedInAccount(app, { label: "superseded" });
    const superseded = (await requestReset(app, b.email)).token;
    app.clock.advance(61_000);
    await requestReset(app, b.email);
    const c = await signedInAccount(app, { label: "expired" });
    const expired = (await requestReset(app, c.email)).token;
    app.clock.advance(16 * 60_000);

    const bodies = new Set<string>();
    for (const token of [used, superseded, expired, "not-a-token", "A".repeat(43)]) {
      const response = await postJson(app, "/auth/reset-password", { token, new_password: NEW_PASSWORD });
      assertEquals(response.status, 400, token);
      bodies.add(await bodyWithoutRequestId(response));
    }
    assertEquals(bodies.size, 1, [...bodies].join("\n"));
  } finally {
    await app.close();
  }
});

Deno.test("a reset proves the mailbox: an unverified account is verified by it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("unverified");
    await postJson(app, "/auth/signup", { email, password: PASSWORD });
    const { token } = await requestReset(app, email);
    assertEquals((await postJson(app, "/auth/reset-password", { token, new_password: NEW_PASSWORD })).status, 200);
    assertEquals((await postJson(app, "/auth/signin", { email, password: NEW_PASSWORD })).status, 200);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/request-password-reset for an unknown address sends nothing and stores nothing", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("ghost");
    const before = await database.db.selectFrom("password_reset_tokens").select("id").execute();
    assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
    await app.deliverMail();
    assertEquals(smtp.inbox(email).length, 0);
    const queued = await database.db.selectFrom("mail_outbox").select("id").where("to_address", "=", email).execute();
    assertEquals(queued.length, 0);
    assertEquals((await database.db.selectFrom("password_reset_tokens").select("id").execute()).length, before.length);
  } finally {
    await app.close();
  }
});
