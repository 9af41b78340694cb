import { generateOtp } from "../../src/services/accounts/signup/otp.ts";
import { postJson } from "../helpers/http.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { otpOf } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp, accountsBackends, bodyWithoutRequestId } from "./_helpers.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";

const { database, smtp } = await accountsBackends();

/** Signs up `email` and returns the code the SMTP peer received (the `nth` mail to it). */
async function signupWithCode(app: AccountsApp, email: string): Promise<string> {
  assertEquals((await postJson(app, "/auth/signup", { email, password: PASSWORD })).status, 201);
  return await latestCode(app, email);
}

async function latestCode(app: AccountsApp, email: string): Promise<string> {
  const before = smtp.inbox(email).length;
  await app.deliverMail();
  const mails = await smtp.waitForMail(email, before + 1);
  return otpOf(mails[mails.length - 1]);
}

function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

async function attemptsOf(email: string): Promise<number[]> {
  const rows = await database.db
    .selectFrom("email_otps")
    .innerJoin("users", "users.id", "email_otps.user_id")
    .select("email_otps.attempts")
    .where("users.email_normalized", "=", email)
    .orderBy("email_otps.created_at")
    .execute();
  return rows.map((row) => row.attempts);
}

Deno.test("five wrong codes kill the code: the right code then fails with invalid_otp", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("five");
    const code = await signupWithCode(app, email);
    for (let i = 0; i < 5; i++) {
      const response = await postJson(app, "/auth/verify-email", { email, otp: wrongCode(code) });
      assertEquals(response.status, 400);
      assertEquals((await response.json()).code, "invalid_otp");
    }
    const right = await postJson(app, "/auth/verify-email", { email, otp: code });
    assertEquals(right.status, 400);
    assertEquals((await right.json()).code, "invalid_otp");
    assertEquals(await attemptsOf(email), [5]);
  } finally {
    await app.close();
  }
});

Deno.test("four wrong codes leave the fifth attempt to the right code", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("four");
    const code = await signupWithCode(app, email);
    for (let i = 0; i < 4; i++) await postJson(app, "/auth/verify-email", { email, otp: wrongCode(code) });
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: code })).status, 200);
  } finally {
    await app.close();
  }
});

Deno.test("10 concurrent wrong guesses spend at most the 5 attempts a code has", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("burst");
    const code = await signupWithCode(app, email);
    const guesses = await Promise.all(
      Array.from({ length: 10 }, () => postJson(app, "/auth/verify-email", { email, otp: wrongCode(code) })),
    );
    assertEquals(guesses.map((r) => r.status), Array(10).fill(400));
    assertEquals(await attemptsOf(email), [5]);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: code })).status, 400);
  } finally {
    await app.close();
  }
});

Deno.test("10 parallel submissions of the right code verify exactly once", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("parallel");
    const code = await signupWithCode(app, email);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => postJson(app, "/auth/verify-email", { email, otp: code })),
    );
    const statuses = responses.map((r) => r.status);
    assertEquals(statuses.filter((s) => s === 200).length, 1, statuses.join(","));
    assertEquals(statuses.filter((s) => s === 400).length, 9);
    const events = await database.db
      .selectFrom("security_events")
      .innerJoin("users", "users.id", "security_events.user_id")
      .select("security_events.type")
      .where("users.email_normalized", "=", email)
      .where("security_events.type", "=", "email_verified")
      .execute();
    assertEquals(events.length, 1);
  } finally {
    await app.close();
  }
});

Deno.test("a code expires after OTP_EXPIRATION_MINUTES by the injected clock", async () => {
  const app = await accountsApp(database, smtp, { env: { OTP_EXPIRATION_MINUTES: "10" } });
  try {
    const early = uniqueEmail("early");
    const earlyCode = await signupWithCode(app, early);
    const late = uniqueEmail("late");
    const lateCode = await signupWithCode(app, late);
    app.clock.advance(10 * 60_000 - 1000);
    assertEquals((await postJson(app, "/auth/verify-email", { email: early, otp: earlyCode })).status, 200);
    app.clock.advance(1000);
    const expired = await postJson(app, "/auth/verify-email", { email: late, otp: lateCode });
    assertEquals(expired.status, 400);
    assertEquals((await expired.json()).code, "invalid_otp");
  } finally {
    await app.close();
  }
});

Deno.test("a resent code kills the previous one", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("resend");
    const first = await signupWithCode(app, email);
    app.clock.advance(61_000);
    assertEquals((await postJson(app, "/auth/resend-email-verification-otp", { email })).status, 202);
    const second = await latestCode(app, email);
    if (first !== second) {
      assertEquals((await postJson(app, "/auth/verify-email", { email, otp: first })).status, 400);
    }
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: second })).status, 200);
  } finally {
    await app.close();
  }
});

Deno.test("resend mails an address at most once a minute and answers the same 202 every time", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("throttle");
    await signupWithCode(app, email);
    const bodies = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const response = await postJson(app, "/auth/resend-email-verification-otp", { email });
      assertEquals(response.status, 202);
      bodies.add(await bodyWithoutRequestId(response));
      app.clock.advance(10_000);
    }
    assertEquals(bodies.size, 1);
    assertEquals(await app.deliverMail(), 0, "within a minute of the sign-up code nothing more is sent");
    app.clock.advance(31_000);
    await postJson(app, "/auth/resend-email-verification-otp", { email });
    assertEquals(await app.deliverMail(), 1);
    assertEquals(smtp.inbox(email).length, 2);
  } finally {
    await app.close();
  }
});

Deno.test("a code sent to A does not verify B", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const a = uniqueEmail("a");
    const b = uniqueEmail("b");
    const codeA = await signupWithCode(app, a);
    const codeB = await signupWithCode(app, b);
    if (codeA !== codeB) {
      assertEquals((await postJson(app, "/auth/verify-email", { email: b, otp: codeA })).status, 400);
    }
    assertEquals((await postJson(app, "/auth/verify-email", { email: b, otp: codeB })).status, 200);
    assertEquals((await postJson(app, "/auth/verify-email", { email: a, otp: codeA })).status, 200);
  } finally {
    await app.close();
  }
});

Deno.test("wrong, expired, used and dead codes and unknown addresses give one identical error body", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const used = uniqueEmail("used");
    const usedCode = await signupWithCode(app, used);
    await postJson(app, "/auth/verify-email", { email: used, otp: usedCode });
    const dead = uniqueEmail("dead");
    const deadCode = await signupWithCode(app, dead);
    for (let i = 0; i < 5; i++) await postJson(app, "/auth/verify-email", { email: dead, otp: wrongCode(deadCode) });
    const wrong = uniqueEmail("wrong");
    const wrongOne = wrongCode(await signupWithCode(app, wrong));
    const expired = uniqueEmail("expired");
    const expiredCode = await signupWithCode(app, expired);
    app.clock.advance(16 * 60_000);

    const bodies = new Set<string>();
    for (
      const [email, otp] of [
        [used, usedCode],
        [dead, deadCode],
        [wrong, wrongOne],
        [expired, expiredCode],
        [uniqueEmail("nobody"), "123456"],
      ]
    ) {
      const response = await postJson(app, "/auth/verify-email", { email, otp });
      assertEquals(response.status, 400, email);
      bodies.add(await bodyWithoutRequestId(response));
    }
    assertEquals(bodies.size, 1, [...bodies].join("\n"));
  } finally {
    await app.close();
  }
});

Deno.test("a verified account gets no new code and invalid_otp for any code", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("done");
    const code = await signupWithCode(app, email);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: code })).status, 200);
    app.clock.advance(61_000);
    assertEquals((await postJson(app, "/auth/resend-email-verification-otp", { email })).status, 202);
    assertEquals(await app.deliverMail(), 0);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: code })).status, 400);
  } finally {
    await app.close();
  }
});

Deno.test("a malformed code is a 422 that spends no attempt", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("shape");
    await signupWithCode(app, email);
    for (const otp of ["12345", "1234567", "abcdef", " 123456"]) {
      const response = await postJson(app, "/auth/verify-email", { email, otp });
      assertEquals(response.status, 422, otp);
    }
    assertEquals(await attemptsOf(email), [0]);
  } finally {
    await app.close();
  }
});

Deno.test("generateOtp redraws values past the last whole multiple of a million instead of biasing low codes", () => {
  const draws = [4_294_967_295, 4_294_000_000, 4_293_999_999];
  let calls = 0;
  const code = generateOtp((array) => {
    array[0] = draws[calls++];
    return array;
  });
  assertEquals(calls, 3);
  assertEquals(code, "999999");
  assertEquals(generateOtp((array) => (array[0] = 42, array)), "000042");
  for (let i = 0; i < 200; i++) assertMatch(generateOtp(), /^\d{6}$/);
  assert(new Set(Array.from({ length: 50 }, () => generateOtp())).size > 40, "codes are not repeated");
});
