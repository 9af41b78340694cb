/**
 * A stranger cannot evict the owner's pending sign-up nor cut the owner off from a fresh code:
 * later sign-ups never displace earlier ones, a full address tells the mailbox how to claim it,
 * and wrong codes from other clients never use up resend. Rate limits on Redis with
 * TEST_REDIS_URL, PostgreSQL with TEST_DATABASE_URL.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "./_helpers.ts";
import { uniqueEmail } from "../helpers/accounts.ts";
import { jsonBody } from "../helpers/http.ts";
import { resolveTestRedis } from "../helpers/redis.ts";
import { otpOf, type ReceivedMail, resetTokenOf } from "../helpers/smtp.ts";

const { database, smtp } = await accountsBackends();
const redisUrl = await resolveTestRedis();

const OWNER = "owner's password B";
const NOTICE = "Someone tried to sign up with your address";

let clients = 0;

/** A request from a client address no other request of this file uses. */
async function postFromNewAddress(app: AccountsApp, path: string, body: unknown): Promise<Response> {
  clients++;
  return await app.request(path, jsonBody(body), `198.19.${clients >> 8}.${clients & 255}`);
}

async function status(response: Promise<Response>): Promise<number> {
  const answered = await response;
  await answered.body?.cancel();
  return answered.status;
}

/** Signs up from a new client address and returns the mail it produced, if any. */
async function signUp(app: AccountsApp, email: string, password: string): Promise<ReceivedMail | undefined> {
  const before = smtp.inbox(email).length;
  assertEquals(await status(postFromNewAddress(app, "/auth/signup", { email, password })), 201);
  if (await app.deliverMail() === 0) return undefined;
  return (await smtp.waitForMail(email, before + 1)).at(-1);
}

async function strangersSignUp(app: AccountsApp, email: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    app.clock.advance(61_000);
    await signUp(app, email, `stranger's password ${i}`);
  }
}

async function signinStatus(app: AccountsApp, email: string, password: string): Promise<number> {
  return await status(postFromNewAddress(app, "/auth/signin", { email, password }));
}

Deno.test("POST /auth/signup: three more sign-ups by strangers do not evict the owner's; its code still applies the owner's password", async () => {
  const app = await accountsApp(database, smtp, { rateLimitRedisUrl: redisUrl });
  try {
    const email = uniqueEmail("not-evicted");
    const own = await signUp(app, email, OWNER);
    assert(own, "the owner's sign-up mailed a code");
    await strangersSignUp(app, email, 3);
    assertEquals(await status(postFromNewAddress(app, "/auth/verify-email", { email, otp: otpOf(own) })), 200);
    assertEquals(await signinStatus(app, email, OWNER), 200);
    assertEquals(await signinStatus(app, email, "stranger's password 2"), 401);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/resend-email-verification-otp after strangers' sign-ups mails a fresh code for the owner's sign-up", async () => {
  const app = await accountsApp(database, smtp, { rateLimitRedisUrl: redisUrl });
  try {
    const email = uniqueEmail("resend-owner");
    const ownerAt = app.clock.now();
    await signUp(app, email, OWNER);
    await strangersSignUp(app, email, 3);
    app.clock.advance(20 * 60_000);
    const before = smtp.inbox(email).length;
    assertEquals(await status(postFromNewAddress(app, "/auth/resend-email-verification-otp", { email })), 202);
    const sent = await app.deliverMail();
    const fresh = (await smtp.waitForMail(email, before + sent)).slice(before);
    const stamp = `made on ${ownerAt.toISOString().slice(0, 10)} at ${ownerAt.toISOString().slice(11, 19)} UTC`;
    const forOwner = fresh.find((mail) => mail.text.includes(stamp));
    assert(forOwner, `a fresh code for the owner's sign-up among: ${fresh.map((mail) => mail.text).join("\n---\n")}`);
    assertEquals(await status(postFromNewAddress(app, "/auth/verify-email", { email, otp: otpOf(forOwner) })), 200);
    assertEquals(await signinStatus(app, email, OWNER), 200);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signup on an address full of strangers' sign-ups records nothing and mails the notice, whose reset claims the address", async () => {
  const app = await accountsApp(database, smtp, { rateLimitRedisUrl: redisUrl });
  try {
    const email = uniqueEmail("squatted");
    await strangersSignUp(app, email, 3);
    app.clock.advance(61_000);
    const notice = await signUp(app, email, OWNER);
    assertEquals(notice?.subject, NOTICE);
    const pending = await database.db.selectFrom("pending_signups").innerJoin("users", "users.id", "user_id")
      .select("pending_signups.id").where("users.email_normalized", "=", email).execute();
    assertEquals(pending.length, 3, "the strangers' sign-ups keep their places, the owner's took none");

    assertEquals(await status(postFromNewAddress(app, "/auth/request-password-reset", { email })), 202);
    await app.deliverMail();
    const resetMail = smtp.inbox(email).find((mail) => mail.subject.startsWith("Reset"));
    assert(resetMail, "the reset mail arrived");
    const reset = postFromNewAddress(app, "/auth/reset-password", {
      token: resetTokenOf(resetMail),
      new_password: OWNER,
    });
    assertEquals(await status(reset), 200);
    assertEquals(await signinStatus(app, email, OWNER), 200);
    assertEquals(await signinStatus(app, email, "stranger's password 0"), 401);
  } finally {
    await app.close();
  }
});

Deno.test("wrong codes from strangers never use up resend: after 5 the owner's fresh code verifies; after the address's budget is spent resend still mails one", async () => {
  // email_verification 3 a minute: per address, 6 requests in 15 minutes
  const app = await accountsApp(database, smtp, {
    env: { RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "3" },
    rateLimitRedisUrl: redisUrl,
  });
  try {
    const wrongCodes = async (email: string, count: number, avoid: string) => {
      for (let i = 0; i < count; i++) {
        const otp = String(100000 + i) === avoid ? "999999" : String(100000 + i);
        assertEquals(await status(postFromNewAddress(app, "/auth/verify-email", { email, otp })), 400);
      }
    };
    const email = uniqueEmail("guessed");
    const first = await signUp(app, email, OWNER);
    assert(first);
    await wrongCodes(email, 5, otpOf(first));
    app.clock.advance(61_000);
    assertEquals(await status(postFromNewAddress(app, "/auth/resend-email-verification-otp", { email })), 202);
    assertEquals(await app.deliverMail(), 1);
    const fresh = (await smtp.waitForMail(email, 2))[1];
    assertEquals(await status(postFromNewAddress(app, "/auth/verify-email", { email, otp: otpOf(fresh) })), 200);

    const spent = uniqueEmail("spent");
    const code = await signUp(app, spent, OWNER);
    assert(code);
    await wrongCodes(spent, 6, otpOf(code));
    app.clock.advance(61_000);
    assertEquals(await status(postFromNewAddress(app, "/auth/resend-email-verification-otp", { email: spent })), 202);
    assertEquals(await app.deliverMail(), 1, "a fresh code went to the mailbox");
  } finally {
    await app.close();
  }
});
