import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { postJson } from "../helpers/http.ts";
import { otpOf } from "../helpers/smtp.ts";
import { accountsApp, accountsBackends, bodyWithoutRequestId } from "./_helpers.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";

const { database, smtp } = await accountsBackends();

Deno.test({
  name: "POST /auth/signup → code by SMTP → POST /auth/verify-email → POST /auth/signin gives a working token pair",
  async fn() {
    const app = await accountsApp(database, smtp);
    try {
      const email = uniqueEmail("flow");
      const signup = await postJson(app, "/auth/signup", { email, password: PASSWORD, name: "Flow" });
      assertEquals(signup.status, 201);
      assertEquals((await signup.json()).email, email);

      const before = await postJson(app, "/auth/signin", { email, password: PASSWORD });
      assertEquals(before.status, 403);
      assertEquals((await before.json()).code, "email_not_verified");

      assertEquals(await app.deliverMail(), 1);
      const [mail] = await smtp.waitForMail(email);
      assertEquals(mail.subject, "Your Jessy AI verification code");
      assertEquals(mail.from, "noreply@jessy-ai.com");
      const otp = otpOf(mail);
      assertMatch(otp, /^\d{6}$/);
      assert(mail.html.includes(otp), "the HTML part carries the code too");

      const verify = await postJson(app, "/auth/verify-email", { email, otp });
      assertEquals(verify.status, 200);
      assertEquals(await verify.json(), { email_verified: true });

      const signin = await postJson(app, "/auth/signin", { email, password: PASSWORD });
      assertEquals(signin.status, 200);
      const tokens = await signin.json();
      assertEquals(tokens.token_type, "Bearer");
      assert(typeof tokens.access_token === "string" && typeof tokens.refresh_token === "string");
      assert(Number.isInteger(tokens.expires_in));

      const me = await app.request("/auth/me", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
      assertEquals(me.status, 200);
      const profile = await me.json();
      assertEquals([profile.email, profile.name, profile.email_verified], [email, "Flow", true]);

      const user = await database.db.selectFrom("users").selectAll().where("email_normalized", "=", email)
        .executeTakeFirstOrThrow();
      const events = await database.db.selectFrom("security_events").select("type").where("user_id", "=", user.id)
        .orderBy("created_at").execute();
      assertEquals(events.map((e) => e.type).sort(), [
        "email_verified",
        "signin_failed",
        "signin_succeeded",
        "signup",
      ]);
    } finally {
      await app.close();
    }
  },
});

Deno.test("the outbox keeps no code once the mail is sent, and the database never holds the code in clear", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("clear");
    await postJson(app, "/auth/signup", { email, password: PASSWORD });
    const queued = await database.db.selectFrom("mail_outbox").selectAll().where("to_address", "=", email)
      .executeTakeFirstOrThrow();
    assertEquals(queued.status, "pending");
    await app.deliverMail();
    const otp = otpOf((await smtp.waitForMail(email))[0]);
    const sent = await database.db.selectFrom("mail_outbox").selectAll().where("id", "=", queued.id)
      .executeTakeFirstOrThrow();
    assertEquals([sent.status, sent.text_body, sent.html_body], ["sent", null, null]);
    const user = await database.db.selectFrom("users").select("id").where("email_normalized", "=", email)
      .executeTakeFirstOrThrow();
    const codes = await database.db.selectFrom("email_otps").selectAll().where("user_id", "=", user.id).execute();
    assertEquals(codes.length, 1);
    assert(!codes[0].code_hmac.includes(otp), "the stored value is a digest, not the code");
    assertMatch(codes[0].code_hmac, /^[0-9a-f]{64}$/);
    for (const line of app.logger.lines) assert(!JSON.stringify(line).includes(otp), "the code is never logged");
  } finally {
    await app.close();
  }
});

Deno.test("Alice@Example.COM and alice@example.com are one account, stored with its display form", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const local = uniqueEmail("Alice").replace("@example.com", "");
    const display = `${local}@Example.COM`;
    assertEquals((await postJson(app, "/auth/signup", { email: `  ${display} `, password: PASSWORD })).status, 201);
    assertEquals(
      (await postJson(app, "/auth/signup", { email: display.toLowerCase(), password: PASSWORD })).status,
      201,
    );
    const rows = await database.db.selectFrom("users").selectAll()
      .where("email_normalized", "=", display.toLowerCase()).execute();
    assertEquals(rows.length, 1);
    assertEquals(rows[0].email, display);
    await app.deliverMail();
    const otp = otpOf((await smtp.waitForMail(display))[0]);
    assertEquals((await postJson(app, "/auth/verify-email", { email: display.toUpperCase(), otp })).status, 200);
    assertEquals(
      (await postJson(app, "/auth/signin", { email: display.toLowerCase(), password: PASSWORD })).status,
      200,
    );
  } finally {
    await app.close();
  }
});

Deno.test("10 concurrent signups of one address create one account, keep the first 3 with a code mail each, one notice for the rest and no 500", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("race");
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postJson(app, "/auth/signup", { email, password: PASSWORD })),
    );
    assertEquals(responses.map((r) => r.status), Array(10).fill(201));
    const bodies = new Set(await Promise.all(responses.map((r) => r.text())));
    assertEquals(bodies.size, 1);
    const users = await database.db.selectFrom("users").select("id").where("email_normalized", "=", email).execute();
    assertEquals(users.length, 1);
    const kept = await database.db.selectFrom("pending_signups").select("id").where("user_id", "=", users[0].id)
      .execute();
    const codes = await database.db.selectFrom("email_otps").select("signup_id").where("user_id", "=", users[0].id)
      .execute();
    assertEquals([kept.length, codes.length], [3, 3]);
    assertEquals(await app.deliverMail(), 4);
    const subjects = (await smtp.waitForMail(email, 4)).map((mail) => mail.subject).sort();
    assertEquals(subjects.filter((subject) => subject.startsWith("Someone tried")).length, 1);
  } finally {
    await app.close();
  }
});

Deno.test("signup ignores email_verified, role and token_version in the body", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("mass");
    const response = await postJson(app, "/auth/signup", {
      email,
      password: PASSWORD,
      email_verified: true,
      role: "admin",
      token_version: 99,
    });
    assertEquals(response.status, 201);
    const user = await database.db.selectFrom("users").selectAll().where("email_normalized", "=", email)
      .executeTakeFirstOrThrow();
    assertEquals([user.email_verified, user.token_version], [false, 0]);
    assertEquals((await postJson(app, "/auth/signin", { email, password: PASSWORD })).status, 403);
  } finally {
    await app.close();
  }
});

Deno.test("signup answers byte-identically for new, unverified and verified addresses; only the owner gets mail", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const verified = uniqueEmail("verified");
    await postJson(app, "/auth/signup", { email: verified, password: PASSWORD });
    await app.deliverMail();
    const otp = otpOf((await smtp.waitForMail(verified))[0]);
    assertEquals((await postJson(app, "/auth/verify-email", { email: verified, otp })).status, 200);
    const unverified = uniqueEmail("unverified");
    await postJson(app, "/auth/signup", { email: unverified, password: PASSWORD });
    await app.deliverMail();
    await smtp.waitForMail(unverified);
    app.clock.advance(61_000);

    const shapes = [];
    for (const email of [verified, unverified]) {
      const response = await postJson(app, "/auth/signup", { email, password: "another password" });
      shapes.push([response.status, (await bodyWithoutRequestId(response)).replace(email, "<email>")]);
    }
    const fresh = uniqueEmail("fresh");
    const response = await postJson(app, "/auth/signup", { email: fresh, password: PASSWORD });
    shapes.push([response.status, (await bodyWithoutRequestId(response)).replace(fresh, "<email>")]);
    assertEquals(shapes[0], shapes[1]);
    assertEquals(shapes[1], shapes[2]);

    await app.deliverMail();
    const notice = await smtp.waitForMail(verified, 2);
    assertEquals(notice[1].subject, "Someone tried to sign up with your address");
    const again = await smtp.waitForMail(unverified, 2);
    assertMatch(otpOf(again[1]), /^\d{6}$/);
    assertEquals(
      (await postJson(app, "/auth/signin", { email: verified, password: "another password" })).status,
      401,
      "a second signup never changes the password",
    );
  } finally {
    await app.close();
  }
});

Deno.test("signin with an unknown email and with a wrong password give byte-identical 401 bodies", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("known");
    await postJson(app, "/auth/signup", { email, password: PASSWORD });
    const wrong = await postJson(app, "/auth/signin", { email, password: "not the password" });
    const unknown = await postJson(app, "/auth/signin", { email: uniqueEmail("nobody"), password: "not the password" });
    assertEquals([wrong.status, unknown.status], [401, 401]);
    const [a, b] = [await bodyWithoutRequestId(wrong), await bodyWithoutRequestId(unknown)];
    assertEquals(a, b);
    assertEquals(JSON.parse(a).code, "invalid_credentials");
    assertEquals(wrong.headers.get("Content-Type"), unknown.headers.get("Content-Type"));
    const failures = await database.db.selectFrom("security_events").select(["user_id"]).where(
      "type",
      "=",
      "signin_failed",
    ).where("request_id", "in", [wrong.headers.get("X-Request-ID")!, unknown.headers.get("X-Request-ID")!])
      .execute();
    assertEquals(failures.filter((f) => f.user_id !== null).length, 1, "the known account's failure names it");
    assertEquals(failures.length, 2);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/resend-email-verification-otp and POST /auth/request-password-reset answer byte-identically for known and unknown addresses", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const known = uniqueEmail("known");
    await postJson(app, "/auth/signup", { email: known, password: PASSWORD });
    await app.deliverMail();
    await smtp.waitForMail(known);
    app.clock.advance(61_000);
    const unknown = uniqueEmail("unknown");
    for (const path of ["/auth/resend-email-verification-otp", "/auth/request-password-reset"]) {
      const a = await postJson(app, path, { email: known });
      const b = await postJson(app, path, { email: unknown });
      assertEquals(a.status, 202);
      assertEquals(b.status, 202);
      assertEquals(await bodyWithoutRequestId(a), await bodyWithoutRequestId(b), path);
    }
    await app.deliverMail();
    assertEquals((await smtp.waitForMail(known, 3)).length, 3);
    assertEquals(smtp.inbox(unknown).length, 0);
  } finally {
    await app.close();
  }
});
