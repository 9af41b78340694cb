/**
 * Races a hostile or unlucky client can start: the database decides, once, and the
 * losers get ordinary 4xx answers — never a 500, never a second winner.
 */
import { sql } from "kysely";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { jsonBody } from "../helpers/http.ts";

const t = await createTestApp({
  env: {
    RATE_LIMIT_AUTH_PER_MINUTE: "100000",
    RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "100000",
    RATE_LIMIT_GENERAL_PER_MINUTE: "100000",
  },
});
const db = t.deps.database.db;
const PASSWORD = "correct horse battery staple";

function email(label: string) {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** The newest queued mail to an address (the outbox keeps the body until a worker sends it). */
async function latestMailText(address: string): Promise<string> {
  // Reset requests queue their mail after answering
  await t.deps.accounts.settled();
  const row = await db.selectFrom("mail_outbox").select("text_body").where("to_address", "=", address)
    .orderBy("created_at", "desc").executeTakeFirstOrThrow();
  return row.text_body ?? "";
}

async function signupAndCode(address: string): Promise<string> {
  const response = await t.request("/auth/signup", jsonBody({ email: address, password: PASSWORD }));
  assertEquals(response.status, 201);
  await response.body?.cancel();
  return /\b(\d{6})\b/.exec(await latestMailText(address))![1];
}

async function verifiedSignin(label: string) {
  const address = email(label);
  const code = await signupAndCode(address);
  assertEquals((await t.request("/auth/verify-email", jsonBody({ email: address, otp: code }))).status, 200);
  const response = await t.request("/auth/signin", jsonBody({ email: address, password: PASSWORD }));
  assertEquals(response.status, 200);
  return { address, tokens: await response.json() as { access_token: string; refresh_token: string } };
}

function statuses(responses: Response[]) {
  return responses.map((r) => r.status).sort();
}

async function drain(responses: Response[]) {
  await Promise.all(responses.map((r) => r.body?.cancel()));
}

Deno.test("races: the same email signed up 10 times in parallel makes one row and no 500", async () => {
  const address = email("parallel-signup");
  const responses = await Promise.all(
    Array.from({ length: 10 }, () => t.request("/auth/signup", jsonBody({ email: address, password: PASSWORD }))),
  );
  assertEquals(statuses(responses), Array(10).fill(201));
  await drain(responses);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where email_normalized = ${address}`
    .execute(db);
  assertEquals(rows[0].n, 1);
});

Deno.test("races: one refresh token used 20 times in parallel rotates once; all get that one pair", async () => {
  const { tokens } = await verifiedSignin("parallel-refresh");
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => t.request("/auth/refresh", jsonBody({ refresh_token: tokens.refresh_token }))),
  );
  // Within REFRESH_REUSE_GRACE_SECONDS the losers get the winner's pair, never a second one
  assertEquals(statuses(responses), Array(20).fill(200));
  const bodies = await Promise.all(responses.map((r) => r.json()));
  assertEquals(new Set(bodies.map((body) => body.refresh_token)).size, 1);
});

Deno.test("races: one reset token used 10 times in parallel changes the password once", async () => {
  const { address } = await verifiedSignin("parallel-reset");
  const requested = await t.request("/auth/request-password-reset", jsonBody({ email: address }));
  assertEquals(requested.status, 202);
  await requested.body?.cancel();
  const token = /token=([A-Za-z0-9_-]{43})/.exec(await latestMailText(address))![1];
  const responses = await Promise.all(
    Array.from(
      { length: 10 },
      (_, i) => t.request("/auth/reset-password", jsonBody({ token, new_password: `new password number ${i}` })),
    ),
  );
  const winners = responses.map((r, i) => [r.status, i]).filter(([status]) => status === 200);
  assertEquals(winners.length, 1, statuses(responses).join(","));
  assert(responses.every((r) => r.status === 200 || r.status === 400), statuses(responses).join(","));
  await drain(responses);
  const winner = winners[0][1];
  const signin = await t.request(
    "/auth/signin",
    jsonBody({ email: address, password: `new password number ${winner}` }),
  );
  assertEquals(signin.status, 200);
  await signin.body?.cancel();
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from security_events e join users u on u.id = e.user_id
    where u.email_normalized = ${address} and e.type = 'password_reset'`.execute(db);
  assertEquals(rows[0].n, 1);
});

Deno.test("races: one code guessed 20 times in parallel spends at most 5 attempts, then the right code fails", async () => {
  const address = email("parallel-otp");
  const code = await signupAndCode(address);
  const wrong = code === "000000" ? "111111" : "000000";
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => t.request("/auth/verify-email", jsonBody({ email: address, otp: wrong }))),
  );
  assert(responses.every((r) => r.status === 400), statuses(responses).join(","));
  await drain(responses);
  const { rows } = await sql<{ attempts: number }>`
    select o.attempts from email_otps o join users u on u.id = o.user_id where u.email_normalized = ${address}`
    .execute(db);
  assert(rows.every((row) => row.attempts <= 5), JSON.stringify(rows));
  const right = await t.request("/auth/verify-email", jsonBody({ email: address, otp: code }));
  assertEquals(right.status, 400, "the cap holds even for the right code");
  await right.body?.cancel();
});

Deno.test("races: logout racing refresh leaves no token of the session alive", async () => {
  for (let round = 0; round < 10; round++) {
    const { tokens } = await verifiedSignin(`logout-race-${round}`);
    const [logout, refreshed] = await Promise.all([
      t.request("/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${tokens.access_token}` } }),
      t.request("/auth/refresh", jsonBody({ refresh_token: tokens.refresh_token })),
    ]);
    assertEquals(logout.status, 204);
    const survivors: Array<[string, string]> = [["access", tokens.access_token], ["refresh", tokens.refresh_token]];
    if (refreshed.status === 200) {
      const next = await refreshed.json();
      survivors.push(["new access", next.access_token], ["new refresh", next.refresh_token]);
    } else {
      assertEquals(refreshed.status, 401);
      await refreshed.body?.cancel();
    }
    for (const [kind, token] of survivors) {
      const response = kind.endsWith("refresh")
        ? await t.request("/auth/refresh", jsonBody({ refresh_token: token }))
        : await t.request("/auth/me", { headers: { Authorization: `Bearer ${token}` } });
      assertEquals(response.status, 401, `${kind} token survived round ${round}`);
      await response.body?.cancel();
    }
  }
});

Deno.test.afterAll(async () => {
  await t.close();
});
