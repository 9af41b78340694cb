import { createTestDatabase } from "../helpers/database.ts";
import { bearer, jsonOf } from "../helpers/http.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { adminKey } from "../admin/_helpers.ts";
import { deliveriesOf, startReceiver, webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();

Deno.test("POST /admin/webhooks, POST /admin/webhooks/{id}/rotate-secret, POST /admin/webhooks/{id}/test, POST /admin/webhook-deliveries/{id}/redeliver and DELETE /admin/webhooks/{id} are in GET /admin/security-events with the key as actor and never a secret", async () => {
  const app = await webhooksApp(database);
  const receiver = startReceiver(() => null);
  receiver.answers.push(500);
  try {
    const name = `hooks-${crypto.randomUUID().slice(0, 8)}`;
    const key = await adminKey(app, ["webhooks:read", "webhooks:write"], { name });
    const post = (path: string) => app.request(path, bearer(key, { method: "POST" }));
    const url = `${receiver.url}?token=receiver-private`;
    const created = await jsonOf(
      app.request(
        "/admin/webhooks",
        bearer(key, {
          method: "POST",
          body: JSON.stringify({ url, events: ["webhook.test"] }),
          headers: { "Content-Type": "application/json" },
        }),
      ),
    );
    assertEquals(created.status, 201);
    const id: string = created.body.id;
    const rotated = await jsonOf(post(`/admin/webhooks/${id}/rotate-secret`));
    assertEquals(rotated.status, 200);
    const tested = await jsonOf(post(`/admin/webhooks/${id}/test`));
    assertEquals(tested.status, 202);
    await app.worker.runOnce();
    const [delivery] = await deliveriesOf(app, id);
    assertEquals((await post(`/admin/webhook-deliveries/${delivery.id}/redeliver`)).status, 202);
    assertEquals((await app.request(`/admin/webhooks/${id}`, bearer(key, { method: "DELETE" }))).status, 204);
    // Refused actions record nothing
    assertEquals((await post(`/admin/webhooks/${crypto.randomUUID()}/rotate-secret`)).status, 404);
    assertEquals((await post(`/admin/webhook-deliveries/${crypto.randomUUID()}/redeliver`)).status, 404);

    const auditor = await adminKey(app, ["audit:read"]);
    const listed = await jsonOf(app.request("/admin/security-events?limit=100", bearer(auditor)));
    assertEquals(listed.status, 200);
    // deno-lint-ignore no-explicit-any -- events are read field by field
    const mine = listed.body.events.filter((event: any) => event.actor === name);
    assertEquals(
      mine.map((event: { type: string }) => event.type),
      [
        "admin_webhook_created",
        "admin_webhook_secret_rotated",
        "admin_webhook_test_sent",
        "admin_webhook_redelivered",
        "admin_webhook_deleted",
      ],
    );
    for (const event of mine) {
      assertEquals([event.user_id, event.details.endpoint_id, event.ip], [null, id, "127.0.0.1"]);
      assert(event.request_id, "the request that did it");
    }
    const host = new URL(receiver.url).host;
    assertEquals(mine[0].details, { endpoint_id: id, host, events: ["webhook.test"] });
    assertEquals(mine[1].details.previous_secrets_expire_at, rotated.body.previous_secrets_expire_at);
    assertEquals([mine[2].details.delivery_id, mine[2].details.webhook_id], [tested.body.id, tested.body.webhook_id]);
    assertEquals([mine[3].details.delivery_id, mine[3].details.webhook_id], [delivery.id, delivery.webhook_id]);
    assertEquals(mine[4].details, { endpoint_id: id, host });
    const text = JSON.stringify(mine);
    for (const secret of [created.body.secret, rotated.body.secret]) {
      assert(!text.includes(secret.slice("whsec_".length)), "no secret in the events");
    }
    assert(!text.includes("receiver-private"), "the URL's query stays out of the trail");
  } finally {
    await receiver.close();
    await app.close();
  }
});
