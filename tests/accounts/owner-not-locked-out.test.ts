/**
 * Strangers cannot lock the owner out, and the lockout tells nothing about the address: only
 * failed sign-ins spend an account's budget, and a signed-in session re-stating its password
 * spends its own. With the default limits (auth 5 a minute: 10 failures an hour per account);
 * rate limits on Redis with TEST_REDIS_URL, PostgreSQL with TEST_DATABASE_URL.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "./_helpers.ts";
import { PASSWORD, signedInAccount, uniqueEmail } from "../helpers/accounts.ts";
import { jsonBody, postAs } from "../helpers/http.ts";
import { resolveTestRedis } from "../helpers/redis.ts";

const { database, smtp } = await accountsBackends();
const redisUrl = await resolveTestRedis();

const LIMITS = { RATE_LIMIT_AUTH_PER_MINUTE: "5", RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000" };
const ACCOUNT_BUDGET = 10;

function lockoutApp(): Promise<AccountsApp> {
  return accountsApp(database, smtp, { env: LIMITS, rateLimitRedisUrl: redisUrl });
}

let clients = 0;

/** A sign-in from a client address no other request of this file uses. */
async function signinFromNewAddress(app: AccountsApp, email: string, password: string): Promise<Response> {
  clients++;
  return await app.request("/auth/signin", jsonBody({ email, password }), `198.18.${clients >> 8}.${clients & 255}`);
}

/** Wrong passwords from rotating addresses until the first 429: how many 401s came before it. */
async function failuresBeforeLockout(app: AccountsApp, email: string): Promise<number> {
  for (let failures = 0; failures <= 2 * ACCOUNT_BUDGET; failures++) {
    const response = await signinFromNewAddress(app, email, `guess number ${failures}`);
    await response.body?.cancel();
    if (response.status === 429) return failures;
    assertEquals(response.status, 401);
  }
  throw new Error("no 429 after twice the budget");
}

async function status(response: Promise<Response>): Promise<number> {
  const answered = await response;
  await answered.body?.cancel();
  return answered.status;
}

Deno.test("POST /auth/signin: the number of 401s before 429 is the same for an existing account with successful sign-ins, an idle one and an unknown address", async () => {
  const app = await lockoutApp();
  try {
    const active = await signedInAccount(app, { label: "active" });
    for (let i = 0; i < 4; i++) {
      assertEquals(await status(signinFromNewAddress(app, active.email, PASSWORD)), 200, "the owner signs in");
    }
    const idle = await signedInAccount(app, { label: "idle" });
    const counts = {
      active: await failuresBeforeLockout(app, active.email),
      idle: await failuresBeforeLockout(app, idle.email),
      unknown: await failuresBeforeLockout(app, uniqueEmail("nobody")),
    };
    assertEquals(counts, { active: ACCOUNT_BUDGET, idle: ACCOUNT_BUDGET, unknown: ACCOUNT_BUDGET });
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin: the owner's successful sign-ins spend nothing, failures still do", async () => {
  const app = await lockoutApp();
  try {
    const { email } = await signedInAccount(app, { label: "many-signins" });
    for (let i = 0; i < 2 * ACCOUNT_BUDGET; i++) {
      assertEquals(await status(signinFromNewAddress(app, email, PASSWORD)), 200, `sign-in ${i + 1} of the owner`);
    }
    assertEquals(await failuresBeforeLockout(app, email), ACCOUNT_BUDGET);
  } finally {
    await app.close();
  }
});

Deno.test("an attacker's 10 failures do not stop the owner's signed-in change-password, change-email or delete-account", async () => {
  const app = await lockoutApp();
  try {
    const { email, tokens } = await signedInAccount(app, { label: "signed-in-owner" });
    assertEquals(await failuresBeforeLockout(app, email), ACCOUNT_BUDGET, "the account's budget is spent");

    const changed = await postAs(app, "/auth/change-password", tokens.access_token, {
      current_password: PASSWORD,
      new_password: "the owner's next passphrase",
    });
    assertEquals(changed.status, 200, await changed.clone().text());
    const renewed = await changed.json();
    const moved = postAs(app, "/auth/change-email", renewed.access_token, {
      current_password: "the owner's next passphrase",
      new_email: uniqueEmail("moved"),
    });
    assertEquals(await status(moved), 202);
    const deleted = postAs(app, "/auth/delete-account", renewed.access_token, {
      current_password: "the owner's next passphrase",
    });
    assertEquals(await status(deleted), 202);
  } finally {
    await app.close();
  }
});

Deno.test("a session's wrong current passwords spend that session's budget only: 429 there, the sign-in form and another session unaffected", async () => {
  const app = await lockoutApp();
  try {
    const { email, tokens } = await signedInAccount(app, { label: "session-budget" });
    const wrong = () =>
      postAs(app, "/auth/change-password", tokens.access_token, {
        current_password: "not the password",
        new_password: "the owner's next passphrase",
      });
    for (let i = 0; i < ACCOUNT_BUDGET; i++) assertEquals(await status(wrong()), 400, `wrong password ${i + 1}`);
    const limited = await postAs(app, "/auth/change-password", tokens.access_token, {
      current_password: PASSWORD,
      new_password: "the owner's next passphrase",
    });
    assertEquals(limited.status, 429, "the session's budget is spent, even for the right password");
    assert(
      (limited.headers.get("ratelimit") ?? "").includes('"current_password_session";r=0;t='),
      limited.headers.get("ratelimit") ?? "no RateLimit header",
    );
    await limited.body?.cancel();

    const other = await signinFromNewAddress(app, email, PASSWORD);
    assertEquals(other.status, 200, "the account's sign-in budget is untouched");
    const otherSession = await other.json();
    const fromOther = postAs(app, "/auth/change-password", otherSession.access_token, {
      current_password: PASSWORD,
      new_password: "the owner's next passphrase",
    });
    assertEquals(await status(fromOther), 200, "another session has a budget of its own");
  } finally {
    await app.close();
  }
});

Deno.test("a session's right current passwords spend nothing: 20 change-email requests in an hour all get 202", async () => {
  const app = await lockoutApp();
  try {
    const { tokens } = await signedInAccount(app, { label: "right-password" });
    for (let request = 0; request < 2 * ACCOUNT_BUDGET; request++) {
      const response = postAs(app, "/auth/change-email", tokens.access_token, {
        current_password: PASSWORD,
        new_email: uniqueEmail("next"),
      });
      assertEquals(await status(response), 202, `request ${request + 1}`);
    }
  } finally {
    await app.close();
  }
});
