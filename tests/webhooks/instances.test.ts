import { ManualClock } from "../../src/clock.ts";
import { claimDueDeliveries } from "../../src/repositories/webhook-deliveries.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { until } from "../helpers/until.ts";
import { signInRequest, verifiedUser, withKey } from "../admin/_harness.ts";
import { deliveriesOf, startReceiver, webhooksApp } from "./_harness.ts";

const database = await createTestDatabase();

Deno.test("POST /auth/signin answers while a webhook receiver is still blocked", async () => {
  const app = await webhooksApp(database);
  let secret = "";
  const receiver = startReceiver(() => secret);
  let release = () => {};
  receiver.gate = new Promise<void>((resolve) => release = resolve);
  try {
    const endpoint = await app.subscribe(receiver.url, ["webhook.test"]);
    secret = endpoint.secret;
    await app.request(`/admin/webhooks/${endpoint.id}/test`, withKey(app.key, { method: "POST" }));
    const user = await verifiedUser(app, "unblocked");
    const delivering = app.worker.runOnce();
    await until(() => receiver.waiting === 1, { what: "the receiver holding the delivery" });
    const signin = await signInRequest(app, user.email);
    assertEquals(signin.status, 200);
    assertEquals(receiver.waiting, 1, "the receiver was still blocked when sign-in answered");
    release();
    assertEquals(await delivering, 1);
  } finally {
    release();
    await receiver.close();
    await app.close();
  }
});

Deno.test("a delivery claimed by an instance that stopped is sent by another instance after the lease", async () => {
  const clock = new ManualClock();
  const stopped = await webhooksApp(database, { clock });
  const survivor = await webhooksApp(database, { clock });
  let secret = "";
  const receiver = startReceiver(() => secret);
  try {
    const endpoint = await stopped.subscribe(receiver.url, ["webhook.test"]);
    secret = endpoint.secret;
    await stopped.request(`/admin/webhooks/${endpoint.id}/test`, withKey(stopped.key, { method: "POST" }));
    // The first instance claims the delivery, then stops before sending it
    const now = clock.now();
    const claimed = await claimDueDeliveries(database.db, {
      now,
      leaseUntil: new Date(now.getTime() + 60_000),
      limit: 10,
    });
    assert(claimed.some((delivery) => delivery.endpoint_id === endpoint.id), "held by the stopped instance");
    await stopped.close();
    assertEquals(await survivor.worker.runOnce(), 0, "leased deliveries are skipped");
    clock.advance(60_001);
    assertEquals(await survivor.worker.runOnce(), 1);
    assertEquals(receiver.received.length, 1);
    const [delivery] = await deliveriesOf(survivor, endpoint.id);
    assertEquals([delivery.status, delivery.attempts], ["sent", 2]);
  } finally {
    await receiver.close();
    await survivor.close();
  }
});
