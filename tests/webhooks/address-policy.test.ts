import { createTestDatabase } from "../helpers/database.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { RefusedTargetError, resolveTarget } from "../../src/webhooks/address-policy.ts";
import { deliveriesOf, startReceiver, webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();

Deno.test("webhooks to loopback, private, link-local and metadata addresses are refused unless allow-listed", async () => {
  const app = await webhooksApp(database, { env: { WEBHOOK_ALLOWED_HOSTS: "" } });
  const receiver = startReceiver(() => "");
  const port = new URL(receiver.url).port;
  try {
    const targets = {
      [`http://127.0.0.1:${port}/hooks`]: "loopback",
      [`http://localhost:${port}/hooks`]: "loopback",
      "http://10.0.0.1/hooks": "private",
      "http://169.254.169.254/latest/meta-data": "linkLocal",
      "http://[::1]/hooks": "loopback",
    };
    const endpoints = [];
    for (const url of Object.keys(targets)) endpoints.push(await app.subscribe(url, ["webhook.test"]));
    for (const endpoint of endpoints) {
      await app.request(`/admin/webhooks/${endpoint.id}/test`, {
        method: "POST",
        headers: { Authorization: `Bearer ${app.key}` },
      });
    }
    assertEquals(await app.worker.runOnce(), 0);
    assertEquals(receiver.received.length, 0, "no connection reached the receiver");
    for (const [index, range] of Object.values(targets).entries()) {
      const [delivery] = await deliveriesOf(app, endpoints[index].id);
      assertEquals(delivery.status, "pending");
      assert(delivery.last_error?.includes(`resolves to a ${range} address`), delivery.last_error);
      assertEquals(delivery.last_status, null);
    }
  } finally {
    await receiver.close();
    await app.close();
  }
});

Deno.test("a name is checked on every address it resolves to, and the checked address is the one connected to", async () => {
  const options = { allowedHosts: [], resolve: () => Promise.resolve(["93.184.215.14", "10.1.2.3"]) };
  await assertRejects(() => resolveTarget(new URL("https://hooks.example.com/x"), options), RefusedTargetError);
  const publicOnly = { allowedHosts: [], resolve: () => Promise.resolve(["93.184.215.14"]) };
  const target = await resolveTarget(new URL("https://hooks.example.com/x"), publicOnly);
  assertEquals(target.address, "93.184.215.14");
  // An allow-listed host may be private; nothing else is
  const internal = { allowedHosts: ["hooks.internal"], resolve: () => Promise.resolve(["10.1.2.3"]) };
  assertEquals((await resolveTarget(new URL("http://hooks.internal/x"), internal)).address, "10.1.2.3");
  await assertRejects(() => resolveTarget(new URL("ftp://hooks.example.com/x"), publicOnly), RefusedTargetError);
});
