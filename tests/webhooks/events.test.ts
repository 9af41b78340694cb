import { withEvents } from "../../src/services/audit-trail.ts";
import { bearer, jsonBody, jsonOf, postJson } from "../helpers/http.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { adminKey } from "../admin/_helpers.ts";
import { insertedUser, PASSWORD } from "../helpers/accounts.ts";
import { startReceiver, webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();

Deno.test("one user's events reach an endpoint in order: a later one waits while an earlier one is retried", async () => {
  const app = await webhooksApp(database);
  let secret = "";
  const receiver = startReceiver(() => secret);
  receiver.answers.push(500);
  try {
    const endpoint = await app.subscribe(receiver.url, ["user.disabled", "user.enabled"]);
    secret = endpoint.secret;
    const user = await insertedUser(app.database.db, "ordered", { passwords: app.deps.passwords, verified: true });
    const admin = (path: string, body?: unknown) =>
      app.request(`/admin/users/${user.id}/${path}`, bearer(app.key, jsonBody(body ?? {})));
    assertEquals((await admin("disable", { reason: "test" })).status, 200);
    assertEquals((await admin("enable")).status, 200);
    await app.worker.runOnce();
    app.clock.advance(1000);
    await app.worker.runOnce();
    await app.worker.runOnce();
    assertEquals(receiver.received.map((hook) => hook.payload.type), [
      "user.disabled",
      "user.disabled",
      "user.enabled",
    ]);
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("an erased account: user.deleted carries the id alone, and waiting deliveries lose its address", async () => {
  const app = await webhooksApp(database);
  const receiver = startReceiver(() => "");
  try {
    const endpoint = await app.subscribe(receiver.url, ["user.created", "user.deleted"]);
    const email = `erased-${crypto.randomUUID().slice(0, 8)}@example.com`;
    assertEquals((await app.request("/auth/signup", jsonBody({ email, password: PASSWORD }))).status, 201);
    const user = await database.db.selectFrom("users").select("id").where("email", "=", email)
      .executeTakeFirstOrThrow();
    const erase = await app.request(`/admin/users/${user.id}?immediate=true`, bearer(app.key, { method: "DELETE" }));
    assertEquals(erase.status, 202);
    const rows = await database.db.selectFrom("webhook_deliveries").select(["event_type", "payload", "user_id"])
      .where("endpoint_id", "=", endpoint.id).orderBy("seq").execute();
    assertEquals(rows.map((row) => row.event_type), ["user.created", "user.deleted"]);
    assertEquals(rows.map((row) => (row.payload as { data: unknown }).data), [{ user_id: user.id }, {
      user_id: user.id,
    }]);
    assert(!JSON.stringify(rows).includes(email), "no address left");
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("POST /admin/webhooks: a bad URL or event is 422 naming the field; webhooks:read cannot write", async () => {
  const app = await webhooksApp(database);
  try {
    const post = (body: unknown, key = app.key) => jsonOf(app.request("/admin/webhooks", bearer(key, jsonBody(body))));
    const badUrl = await post({ url: "ftp://hooks.example.com/", events: ["user.created"] });
    assertEquals(badUrl.status, 422);
    assert(badUrl.body.errors.some((error: { path: string }) => error.path === "url"), JSON.stringify(badUrl.body));
    const badEvent = await post({ url: "https://hooks.example.com/", events: ["user.exploded"] });
    assertEquals(badEvent.status, 422);
    assert(badEvent.body.errors.some((error: { path: string }) => error.path.startsWith("events")));
    const reader = await adminKey(app, ["webhooks:read"]);
    assertEquals((await post({ url: "https://hooks.example.com/", events: ["user.created"] }, reader)).status, 403);
    assertEquals((await app.request("/admin/webhooks", bearer(reader))).status, 200);
    const gone = await app.request(`/admin/webhooks/${crypto.randomUUID()}`, bearer(app.key, { method: "DELETE" }));
    assertEquals(gone.status, 404);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/logout is delivered as session.revoked; an event whose transaction rolls back is never queued", async () => {
  const app = await webhooksApp(database);
  let secret = "";
  const receiver = startReceiver(() => secret);
  try {
    const endpoint = await app.subscribe(receiver.url, ["session.revoked"]);
    secret = endpoint.secret;
    const user = await insertedUser(app.database.db, "logout", { passwords: app.deps.passwords, verified: true });
    const { body: pair } = await jsonOf(postJson(app, "/auth/signin", { email: user.email, password: PASSWORD }));
    const logout = await app.request(
      "/auth/logout",
      jsonBody({ refresh_token: pair.refresh_token }, { Authorization: `Bearer ${pair.access_token}` }),
    );
    assert(logout.status < 300, `logout answered ${logout.status}`);
    assertEquals(await app.worker.runOnce(), 1);
    assertEquals(receiver.received[0].payload.data, { user_id: user.id, reason: "logout" });

    const rolledBack = withEvents({ db: database.db }, async (_trx, record) => {
      await record({ userId: user.id, type: "logout_all", ip: null, userAgent: null, requestId: null, at: new Date() });
      throw new Error("the change fails after its event was recorded");
    });
    await rolledBack.catch(() => {});
    assertEquals(await app.worker.runOnce(), 0, "nothing was queued");
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("DELETE /admin/webhooks/{id}: the endpoint leaves the list and receives no later event", async () => {
  const app = await webhooksApp(database);
  const receiver = startReceiver(() => "");
  try {
    const endpoint = await app.subscribe(receiver.url, ["user.created"]);
    const removed = await app.request(`/admin/webhooks/${endpoint.id}`, bearer(app.key, { method: "DELETE" }));
    assertEquals(removed.status, 204);
    const listed = await jsonOf(app.request("/admin/webhooks", bearer(app.key)));
    assert(!JSON.stringify(listed.body).includes(endpoint.id), "no longer listed");
    const email = `gone-${crypto.randomUUID().slice(0, 8)}@example.com`;
    assertEquals((await app.request("/auth/signup", jsonBody({ email, password: PASSWORD }))).status, 201);
    assertEquals(await app.worker.runOnce(), 0);
    assertEquals(receiver.received.length, 0);
  } finally {
    await receiver.close();
    await app.close();
  }
});
