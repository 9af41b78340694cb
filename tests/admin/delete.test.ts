/**
 * DELETE /admin/users/{id}: the owner's own deletion path, run by an operator — tokens dead on
 * every instance at once, sign-in as for an unknown address, status pending_deletion, the
 * cancel token mailed; `immediate=true` erases before the answer.
 */
import { ManualClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logger.ts";
import { ADMIN_TEST_ENV, adminKey } from "./_helpers.ts";
import { insertedUser, newSession, PASSWORD } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonOf, postJson, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe } from "../sessions/_helpers.ts";
import { assertEquals, assertMatch } from "../helpers/assert.ts";
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
const operator = await adminKey(a, ["users:write", "users:read", "audit:read"], { name: "trust-and-safety" });

function remove(id: string, query = "") {
  return jsonOf(a.request(`/admin/users/${id}${query}`, bearer(operator, { method: "DELETE" })));
}

Deno.test("admin delete: tokens die on both instances, sign-in reads as unknown, status pending_deletion, cancel mailed", async () => {
  const user = await insertedUser(a.database.db, "deleted", { passwords: a.deps.passwords, verified: true });
  const pair = await newSession(a, user);
  assertEquals(await statusOf(getMe(b, pair.access_token)), 200);

  const deleted = await remove(user.id);
  assertEquals(deleted.status, 202);
  assertEquals(deleted.body.erased, false);
  assertEquals(deleted.body.deletion_due_at, new Date(clock.now().getTime() + 7 * 86_400_000).toISOString());

  assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
  assertEquals(await statusOf(getMe(a, pair.access_token)), 401);
  const right = await jsonOf(postJson(b, "/auth/signin", { email: user.email, password: PASSWORD }));
  const unknown = await jsonOf(
    postJson(b, "/auth/signin", { email: `nobody-${crypto.randomUUID()}@example.com`, password: PASSWORD }),
  );
  const { request_id: _r, ...rightBody } = right.body;
  const { request_id: _u, ...unknownBody } = unknown.body;
  assertEquals([right.status, rightBody], [unknown.status, unknownBody], "a deleted account reads as unknown");

  const detail = await jsonOf(a.request(`/admin/users/${user.id}`, bearer(operator)));
  assertEquals([detail.body.status, detail.body.deletion_due_at], ["pending_deletion", deleted.body.deletion_due_at]);
  const listed = await jsonOf(a.request(`/admin/users?status=pending_deletion&email=${user.email}`, bearer(operator)));
  assertEquals(listed.body.users.map((row: { id: string }) => row.id), [user.id]);
  const active = await jsonOf(a.request(`/admin/users?status=active&email=${user.email}`, bearer(operator)));
  assertEquals(active.body.users, [], "a pending deletion is not active");

  await a.deps.accounts.settled();
  const mail = await database.db.selectFrom("mail_outbox").select("text_body").where("to_address", "=", user.email)
    .orderBy("created_at", "desc").executeTakeFirstOrThrow();
  assertMatch(mail.text_body ?? "", /cancel/i);

  const events = await jsonOf(
    a.request(`/admin/security-events?user_id=${user.id}&type=admin_account_deleted`, bearer(operator)),
  );
  assertEquals(events.body.events.map((event: { actor: string }) => event.actor), ["trust-and-safety"]);
});

Deno.test("admin delete with immediate=true erases the account before the answer; unknown ids are 404", async () => {
  const user = await insertedUser(a.database.db, "erased", { passwords: a.deps.passwords, verified: true });
  const deleted = await remove(user.id, "?immediate=true");
  assertEquals([deleted.status, deleted.body.erased], [202, true]);
  const row = await database.db.selectFrom("users").select("id").where("id", "=", user.id).executeTakeFirst();
  assertEquals(row, undefined);
  assertEquals((await jsonOf(a.request(`/admin/users/${user.id}`, bearer(operator)))).status, 404);
  const missing = await remove(crypto.randomUUID());
  assertEquals([missing.status, missing.body.code], [404, "not_found"]);
});
