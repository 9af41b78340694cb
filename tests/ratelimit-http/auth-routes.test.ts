import { insertUserIfAbsent } from "../../src/repositories/users.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { jsonBody } from "../helpers/http.ts";
import { resolveTestRedis } from "../helpers/redis.ts";
import { awayFromWindowEdge, expectRateLimited } from "./_helpers.ts";
import { createTestDatabase } from "../helpers/database.ts";

// The real account routes with the default limits, on real Redis when TEST_REDIS_URL is set.
const redisUrl = await resolveTestRedis();
const database = await createTestDatabase();
const PASSWORD = "correct horse battery staple";

async function createAccount(t: TestApp, label: string): Promise<string> {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const now = t.deps.clock.now();
  await insertUserIfAbsent(database.db, {
    email,
    email_normalized: email,
    name: null,
    password_hash: await t.deps.passwords!.hash(PASSWORD),
    email_verified: true,
    created_at: now,
    updated_at: now,
  });
  return email;
}

function signin(email: string, password = "wrong password, guessed") {
  return jsonBody({ email, password });
}

/** The body with the request id blanked, for byte-for-byte comparison. */
async function comparable(response: Response): Promise<string> {
  return (await response.text()).replace(/"request_id":"[^"]*"/, '"request_id":""');
}

Deno.test("auth routes: per-account sign-in limit holds across rotating IPs and answers alike for unknown addresses", async () => {
  const t = await createTestApp({ database, rateLimitRedisUrl: redisUrl });
  try {
    const known = await createAccount(t, "known");
    const unknown = `unknown-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await awayFromWindowEdge();
    const denials: string[] = [];
    const limited: string[] = [];
    for (const [n, email] of [known, unknown].entries()) {
      // 10 per account per hour; each guess from a fresh IP, well under its 5 per minute
      for (let i = 0; i < 10; i++) {
        const response = await t.request("/auth/signin", signin(email), `198.18.${n}.${i + 1}`);
        assertEquals(response.status, 401, `guess ${i + 1} on ${email}`);
        if (i === 0) denials.push(await comparable(response));
        else await response.body?.cancel();
      }
      // The right password from yet another IP gets the same 429: the guess cannot be confirmed
      const response = await t.request("/auth/signin", signin(email, PASSWORD), `198.18.${n}.200`);
      const { retry_after: _ } = await expectRateLimited(response.clone(), "signin_account");
      limited.push((await comparable(response)).replace(/"retry_after":\d+/, ""));
    }
    assertEquals(denials[0], denials[1], "401 for a known and an unknown address");
    assertEquals(limited[0], limited[1], "429 for a known and an unknown address");
  } finally {
    await t.close();
  }
});

Deno.test("auth routes: exhausting sign-in from one IP leaves /health, /security-test and other tiers working", async () => {
  const t = await createTestApp({ database, rateLimitRedisUrl: redisUrl });
  const ip = "203.0.113.77";
  try {
    await awayFromWindowEdge();
    for (let i = 0; i < 5; i++) {
      const response = await t.request("/auth/signin", signin(`flood-${i}@example.com`), ip);
      assertEquals(response.status, 401);
      await response.body?.cancel();
    }
    await expectRateLimited(await t.request("/auth/signin", signin("flood@example.com"), ip), "auth");
    await expectRateLimited(
      await t.request("/auth/signup", jsonBody({ email: "a@example.com", password: PASSWORD }), ip),
      "auth",
    );
    for (const path of ["/health", "/health/ready", "/security-test"]) {
      const response = await t.request(path, undefined, ip);
      assertEquals(response.status, 200, path);
      await response.body?.cancel();
    }
    const verify = await t.request("/auth/verify-email", jsonBody({ email: "a@example.com", otp: "123456" }), ip);
    assert(verify.status !== 429, "email_verification has its own quota");
    assertEquals(
      verify.headers.get("ratelimit-policy"),
      '"email_verification";q=3;w=60, "email_verification_email";q=6;w=900',
    );
    await verify.body?.cancel();
  } finally {
    await t.close();
  }
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await database.close();
});
