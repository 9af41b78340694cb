/**
 * Per-account guessing stays bounded whatever the client addresses, but nobody else's
 * failures lock an owner out: a device that signed in before has its own budget, a reset
 * request has no per-address quota, and a completed reset starts the account afresh. With
 * the default limits, behind one trusted proxy (TRUST_PROXY=1); rate limits on Redis when
 * TEST_REDIS_URL is set, in memory otherwise, and PostgreSQL with TEST_DATABASE_URL.
 */
import { assert, assertEquals, assertNotEquals } from "../helpers/assert.ts";
import { postJson } from "../helpers/http.ts";
import { otpOf, resetTokenOf } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "./_helpers.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";
import { resolveTestRedis } from "../helpers/redis.ts";

const { database, smtp } = await accountsBackends();
const redisUrl = await resolveTestRedis();

const PROXY = "10.0.0.2";
const NEW_PASSWORD = "the owner's new passphrase";
const DEFAULT_LIMITS = {
  TRUST_PROXY: "1",
  RATE_LIMIT_AUTH_PER_MINUTE: "5",
  RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "3",
};

function lockoutApp(): Promise<AccountsApp> {
  return accountsApp(database, smtp, { env: DEFAULT_LIMITS, rateLimitRedisUrl: redisUrl });
}

let clients = 0;

/** A client address nobody else in this file uses, as the proxy reports it. */
function client(): string {
  clients++;
  return `198.51.${(clients >> 8) & 255}.${clients & 255}`;
}

function from(address: string): Record<string, string> {
  return { "X-Forwarded-For": address };
}

async function signin(app: AccountsApp, body: Record<string, string>, address = client()) {
  const response = await app.request("/auth/signin", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...from(address) },
    body: JSON.stringify(body),
  }, PROXY);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function post(app: AccountsApp, path: string, body: unknown, address = client()) {
  return await postJson(app, path, body, from(address));
}

/** A verified account and the device token of its first sign-in. */
async function owner(app: AccountsApp, label: string): Promise<{ email: string; deviceToken: string }> {
  const email = uniqueEmail(label);
  assertEquals((await post(app, "/auth/signup", { email, password: PASSWORD })).status, 201);
  await app.deliverMail();
  const otp = otpOf((await smtp.waitForMail(email))[0]);
  assertEquals((await post(app, "/auth/verify-email", { email, otp })).status, 200);
  const first = await signin(app, { email, password: PASSWORD });
  assertEquals(first.status, 200);
  assert(typeof first.body.device_token === "string" && first.body.device_token.length >= 43);
  return { email, deviceToken: first.body.device_token };
}

/** 30 wrong passwords, each from a new client address; returns their statuses. */
async function guess(app: AccountsApp, email: string, count = 30): Promise<number[]> {
  const statuses = [];
  for (let i = 0; i < count; i++) statuses.push((await signin(app, { email, password: `guess number ${i}` })).status);
  return statuses;
}

Deno.test("30 guesses from rotating addresses are cut off; the owner's device signs in; reset lifts the lock everywhere", async () => {
  const app = await lockoutApp();
  try {
    const { email, deviceToken } = await owner(app, "lockout");
    const before = clients;
    const statuses = await guess(app, email);
    const guessedFrom = [`198.51.${((before + 1) >> 8) & 255}.${(before + 1) & 255}`];
    // The owner's own sign-in spent nothing: exactly 10 failures an hour per account
    assertEquals(statuses, [...Array(10).fill(401), ...Array(20).fill(429)], statuses.join(","));

    // The right password without a known device: refused like a guess, so a guess cannot be confirmed
    const locked = await signin(app, { email, password: PASSWORD });
    assertEquals([locked.status, locked.body.code], [429, "rate_limited"]);
    assert(
      (locked.headers.get("ratelimit") ?? "").includes('"signin_account";r=0;t='),
      locked.headers.get("ratelimit")!,
    );
    assert(Number(locked.headers.get("retry-after")) >= 1);

    // Meanwhile the owner, on the device that signed in before
    const meanwhile = await signin(app, { email, password: PASSWORD, device_token: deviceToken });
    assertEquals(meanwhile.status, 200);
    assertEquals(meanwhile.body.device_token, deviceToken, "a valid device token is kept");

    // The owner's reset request goes through, whatever the guesses did
    const requested = await post(app, "/auth/request-password-reset", { email });
    assertEquals(requested.status, 202);
    await app.deliverMail();
    const resetMail = (await smtp.waitForMail(email, 2)).find((mail) => mail.subject.startsWith("Reset"));
    assert(resetMail, "the reset mail arrived");
    const reset = await post(app, "/auth/reset-password", {
      token: resetTokenOf(resetMail),
      new_password: NEW_PASSWORD,
    });
    assertEquals(reset.status, 200);

    // After the reset, sign-in works everywhere: a new device, the old device, an attacker's old address
    const fresh = await signin(app, { email, password: NEW_PASSWORD });
    assertEquals(fresh.status, 200);
    const oldDevice = await signin(app, { email, password: NEW_PASSWORD, device_token: deviceToken });
    assertEquals(oldDevice.status, 200);
    assertNotEquals(oldDevice.body.device_token, deviceToken, "the reset made the old device token stale");
    const attackerAddress = await signin(app, { email, password: NEW_PASSWORD }, guessedFrom[0]);
    assertEquals(attackerAddress.status, 200);
  } finally {
    await app.close();
  }
});

Deno.test("a locked account's 429 reads the same as an unknown address's", async () => {
  const app = await lockoutApp();
  try {
    const { email } = await owner(app, "known");
    const bodies = [];
    for (const address of [email, uniqueEmail("nobody")]) {
      await guess(app, address, 12);
      const { status, body, headers } = await signin(app, { email: address, password: PASSWORD });
      assertEquals(status, 429);
      const { request_id: _, retry_after: __, ...rest } = body;
      bodies.push([rest, headers.get("ratelimit-policy")]);
    }
    assertEquals(bodies[0], bodies[1]);
  } finally {
    await app.close();
  }
});

Deno.test("a device token has a budget of its own and works for its own account only", async () => {
  const app = await lockoutApp();
  try {
    const a = await owner(app, "device-a");
    const b = await owner(app, "device-b");
    // Someone holding A's device token guesses: the device's budget runs out, the account's is untouched
    for (let i = 0; i < 10; i++) {
      assertEquals(
        (await signin(app, { email: a.email, password: `guess ${i}`, device_token: a.deviceToken })).status,
        401,
      );
    }
    const spent = await signin(app, { email: a.email, password: PASSWORD, device_token: a.deviceToken });
    assertEquals(spent.status, 429);
    assert((spent.headers.get("ratelimit") ?? "").includes('"signin_device";r=0;t='), spent.headers.get("ratelimit")!);
    assertEquals((await signin(app, { email: a.email, password: PASSWORD })).status, 200);
    // A's token sent for B counts against B's account budget like no token at all (B's own sign-in spent nothing)
    const statuses = [];
    for (let i = 0; i < 11; i++) {
      statuses.push(
        (await signin(app, { email: b.email, password: `guess ${i}`, device_token: a.deviceToken })).status,
      );
    }
    assertEquals(statuses, [...Array(10).fill(401), 429], statuses.join(","));
    assertEquals((await signin(app, { email: b.email, password: PASSWORD, device_token: b.deviceToken })).status, 200);
  } finally {
    await app.close();
  }
});

Deno.test("reset requests have no per-address quota: 30 from rotating addresses all get 202, one mail a minute", async () => {
  const app = await lockoutApp();
  try {
    const { email } = await owner(app, "reset-flood");
    for (let i = 0; i < 30; i++) {
      const response = await post(app, "/auth/request-password-reset", { email });
      assertEquals(response.status, 202, `request ${i + 1}`);
      assertEquals(response.headers.get("ratelimit-policy"), '"auth";q=5;w=60', "per client address only");
    }
    await app.deliverMail();
    const resets = (await smtp.waitForMail(email, 2)).filter((mail) => mail.subject.startsWith("Reset"));
    assertEquals(resets.length, 1);
  } finally {
    await app.close();
  }
});
