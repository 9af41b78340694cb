import { createTestDatabase } from "../helpers/database.ts";
import { bearer, jsonBody } from "../helpers/http.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { deliveriesOf, startReceiver, webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();

Deno.test("POST /auth/signup is delivered as user.created, signed as Standard Webhooks; GET /admin/webhooks never shows the secret again; GET /admin/webhooks/{id}/deliveries records it", async () => {
  const app = await webhooksApp(database);
  let secret = "";
  const receiver = startReceiver(() => secret);
  try {
    const endpoint = await app.subscribe(receiver.url, ["user.created"]);
    secret = endpoint.secret;
    assert(secret.startsWith("whsec_"), "a Standard Webhooks secret");
    const listed = await (await app.request("/admin/webhooks", bearer(app.key))).json();
    assert(!JSON.stringify(listed).includes(secret), "never shown again");

    const email = `hook-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const signup = await app.request("/auth/signup", jsonBody({ email, password: "correct horse battery" }));
    assertEquals(signup.status, 201);
    assertEquals(await app.worker.runOnce(), 1);
    assertEquals(receiver.received.length, 1);
    const [hook] = receiver.received;
    assertEquals(hook.payload.type, "user.created");
    assertEquals(hook.payload.data.email, email);
    assert(hook.id.startsWith("msg_"), "webhook-id");
    const [delivery] = await deliveriesOf(app, endpoint.id);
    assertEquals([delivery.status, delivery.attempts, delivery.last_status, delivery.webhook_id], [
      "sent",
      1,
      204,
      hook.id,
    ]);
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("POST /admin/webhooks/{id}/test: a receiver that fails 3 times then answers gets one webhook-id with four fresh timestamps", async () => {
  const app = await webhooksApp(database);
  let secret = "";
  const receiver = startReceiver(() => secret);
  receiver.answers.push(500, 503, 500);
  try {
    const endpoint = await app.subscribe(receiver.url, ["webhook.test"]);
    secret = endpoint.secret;
    assertEquals(
      (await app.request(`/admin/webhooks/${endpoint.id}/test`, bearer(app.key, { method: "POST" }))).status,
      202,
    );
    for (let attempt = 1; attempt <= 4; attempt++) {
      await app.worker.runOnce();
      assertEquals(receiver.received.length, attempt);
      assertEquals(await app.worker.runOnce(), 0, "nothing before the backoff ends");
      app.clock.advance(1000 * 2 ** (attempt - 1));
    }
    assertEquals(new Set(receiver.received.map((hook) => hook.id)).size, 1);
    assertEquals(new Set(receiver.received.map((hook) => hook.timestamp)).size, 4);
    assertEquals(new Set(receiver.received.map((hook) => hook.signature)).size, 4);
    const [delivery] = await deliveriesOf(app, endpoint.id);
    assertEquals([delivery.status, delivery.attempts, delivery.last_status], ["sent", 4, 204]);
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("POST /admin/webhook-deliveries/{id}/redeliver sends a failed delivery again with its webhook-id", async () => {
  const app = await webhooksApp(database, { worker: { maxAttempts: 2 } });
  let secret = "";
  const receiver = startReceiver(() => secret);
  receiver.answers.push(500, 500);
  try {
    const endpoint = await app.subscribe(receiver.url, ["webhook.test"]);
    secret = endpoint.secret;
    await app.request(`/admin/webhooks/${endpoint.id}/test`, bearer(app.key, { method: "POST" }));
    await app.worker.runOnce();
    app.clock.advance(1000);
    await app.worker.runOnce();
    const [failed] = await deliveriesOf(app, endpoint.id);
    assertEquals([failed.status, failed.attempts, failed.last_status], ["failed", 2, 500]);

    const redeliver = await app.request(
      `/admin/webhook-deliveries/${failed.id}/redeliver`,
      bearer(app.key, { method: "POST" }),
    );
    assertEquals(redeliver.status, 202);
    assertEquals((await redeliver.json()).status, "pending");
    assertEquals(await app.worker.runOnce(), 1);
    const [sent] = await deliveriesOf(app, endpoint.id);
    assertEquals([sent.status, sent.webhook_id], ["sent", failed.webhook_id]);
    assertEquals(receiver.received.map((hook) => hook.id), [failed.webhook_id, failed.webhook_id, failed.webhook_id]);
    const unknown = `/admin/webhook-deliveries/${crypto.randomUUID()}/redeliver`;
    assertEquals((await app.request(unknown, bearer(app.key, { method: "POST" }))).status, 404);
  } finally {
    await receiver.close();
    await app.close();
  }
});
