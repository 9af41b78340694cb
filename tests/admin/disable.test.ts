import { ManualClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logger.ts";
import { ADMIN_TEST_ENV, adminKey } from "./_helpers.ts";
import { insertedUser, newSession, PASSWORD } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonBody, jsonOf, postJson, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe, refresh } from "../sessions/_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

const database = await createTestDatabase();
const testCache = createTestCache(createLogger({ level: "error" }));
const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const a = await createTestApp({ database, clock, env: ADMIN_TEST_ENV, revocationCache: testCache.cache });
const b = await createTestApp({ database, clock, env: ADMIN_TEST_ENV, revocationCache: testCache.connect() });
Deno.test.afterAll(async () => {
  await a.close();
  await b.close();
  await testCache.close();
  await database.close();
});
const writer = await adminKey(a, ["users:write", "users:read"], { name: "support-desk" });

function disable(id: string, body: Record<string, unknown> = { reason: "Chargeback fraud" }) {
  return jsonOf(a.request(`/admin/users/${id}/disable`, bearer(writer, jsonBody(body))));
}

Deno.test("disable on instance A: the user's tokens are 401 on instance B at once, sign-in and refresh 403", async () => {
  const user = await insertedUser(a.database.db, "disabled", { passwords: a.deps.passwords, verified: true });
  const pair = await newSession(a, user);
  const other = await newSession(b, user);
  // B has checked (and cached) the tokens as valid before the disable
  assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
  assertEquals(await statusOf(getMe(b, other.access_token)), 200);

  const disabled = await disable(user.id, { reason: "Chargeback fraud" });
  assertEquals(disabled.status, 200);
  assertEquals(disabled.body.status, "disabled");
  assertEquals(disabled.body.disabled.reason, "Chargeback fraud");
  assertEquals(disabled.body.active_sessions, 0);

  assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
  assertEquals(await statusOf(getMe(b, other.access_token)), 401);
  assertEquals(await statusOf(getMe(a, pair.access_token)), 401);

  const refreshed = await jsonOf(refresh(b, other.refresh_token));
  assertEquals([refreshed.status, refreshed.body.code], [403, "account_disabled"]);

  const right = await jsonOf(postJson(b, "/auth/signin", { email: user.email, password: PASSWORD }));
  assertEquals([right.status, right.body.code], [403, "account_disabled"]);
  const wrong = await jsonOf(postJson(b, "/auth/signin", { email: user.email, password: "not the password" }));
  const unknown = await jsonOf(
    postJson(b, "/auth/signin", { email: `nobody-${crypto.randomUUID()}@example.com`, password: "not the password" }),
  );
  assertEquals([wrong.status, wrong.body.code], [401, "invalid_credentials"]);
  const { request_id: _w, ...wrongBody } = wrong.body;
  const { request_id: _u, ...unknownBody } = unknown.body;
  assertEquals(wrongBody, unknownBody, "a wrong password reads the same as on any account");

  const enabled = await jsonOf(b.request(`/admin/users/${user.id}/enable`, bearer(writer, { method: "POST" })));
  assertEquals([enabled.status, enabled.body.status, enabled.body.disabled], [200, "active", null]);
  const again = await jsonOf(postJson(a, "/auth/signin", { email: user.email, password: PASSWORD }));
  assertEquals(again.status, 200);
  assertEquals(await statusOf(getMe(b, again.body.access_token)), 200);
});

Deno.test("disable with until: enabled again on its own once until has passed", async () => {
  const user = await insertedUser(a.database.db, "until", { passwords: a.deps.passwords, verified: true });
  const until = new Date(clock.now().getTime() + 3_600_000).toISOString();
  const disabled = await disable(user.id, { reason: "Cooling off", until });
  assertEquals([disabled.status, disabled.body.disabled.until], [200, until]);
  assertEquals((await jsonOf(postJson(a, "/auth/signin", { email: user.email, password: PASSWORD }))).status, 403);
  clock.advance(3_600_000);
  const after = await jsonOf(postJson(a, "/auth/signin", { email: user.email, password: PASSWORD }));
  assertEquals(after.status, 200, "signed in once until has passed");
  const view = await jsonOf(a.request(`/admin/users/${user.id}`, bearer(writer)));
  assertEquals([view.body.status, view.body.disabled, view.body.active_sessions], ["active", null, 1]);
  assert(view.body.last_sign_in_at !== null, "last sign-in shown");

  const past = await disable(user.id, { reason: "Too late", until: new Date(clock.now().getTime() - 1).toISOString() });
  assertEquals([past.status, past.body.code, past.body.errors[0].path], [422, "validation_failed", "until"]);
});

Deno.test("sign-out: every session of the user ends on every instance; the user can sign in again", async () => {
  const user = await insertedUser(a.database.db, "signout", { passwords: a.deps.passwords, verified: true });
  const pair = await newSession(a, user);
  assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
  const response = await a.request(`/admin/users/${user.id}/sign-out`, bearer(writer, { method: "POST" }));
  assertEquals(await statusOf(response), 204);
  assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
  assertEquals(await statusOf(refresh(b, pair.refresh_token)), 401);
  assertEquals((await jsonOf(postJson(b, "/auth/signin", { email: user.email, password: PASSWORD }))).status, 200);
});

Deno.test("admin actions are security events with the key's name as actor and their details", async () => {
  const user = await insertedUser(a.database.db, "audited", { passwords: a.deps.passwords, verified: true });
  // A second apart each, so the trail's order is the order of the actions
  await disable(user.id, { reason: "Audit me" });
  clock.advance(1000);
  await jsonOf(a.request(`/admin/users/${user.id}/enable`, bearer(writer, { method: "POST" })));
  clock.advance(1000);
  await statusOf(a.request(`/admin/users/${user.id}/sign-out`, bearer(writer, { method: "POST" })));
  clock.advance(1000);
  await statusOf(a.request(`/admin/users/${user.id}/send-password-reset`, bearer(writer, { method: "POST" })));
  const reader = await adminKey(a, ["audit:read"]);
  const page = await jsonOf(a.request(`/admin/security-events?user_id=${user.id}`, bearer(reader)));
  assertEquals(page.status, 200);
  const admin = page.body.events.filter((event: { actor: string | null }) => event.actor !== null);
  assertEquals(
    admin.map((event: { type: string; actor: string }) => [event.type, event.actor]),
    [
      ["admin_account_disabled", "support-desk"],
      ["admin_account_enabled", "support-desk"],
      ["admin_signed_out", "support-desk"],
      ["admin_password_reset_sent", "support-desk"],
    ],
  );
  assertEquals(admin[0].details, { reason: "Audit me", until: null });
  // The reset itself goes the way of POST /auth/request-password-reset: queued mail to the user
  await a.deps.accounts.settled();
  const mail = await database.db.selectFrom("mail_outbox").select(["to_address", "template"])
    .where("to_address", "=", user.email).where("template", "!=", "activity").execute();
  assertEquals(mail.map((row) => row.template), ["password_reset"]);
});

Deno.test("unknown ids are 404 on every user operation; ids that are no UUID are 422", async () => {
  const reader = await adminKey(a, ["users:read", "users:write"]);
  const id = crypto.randomUUID();
  const requests: [string, RequestInit][] = [
    [`/admin/users/${id}`, {}],
    [`/admin/users/${id}/disable`, jsonBody({ reason: "nobody" })],
    [`/admin/users/${id}/enable`, { method: "POST" }],
    [`/admin/users/${id}/sign-out`, { method: "POST" }],
    [`/admin/users/${id}/send-password-reset`, { method: "POST" }],
  ];
  for (const [path, init] of requests) {
    const { status, body } = await jsonOf(a.request(path, bearer(reader, init)));
    assertEquals([status, body.code], [404, "not_found"], path);
  }
  const bad = await jsonOf(a.request("/admin/users/not-a-uuid", bearer(reader)));
  assertEquals([bad.status, bad.body.code], [422, "validation_failed"]);
});
