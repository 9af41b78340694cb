import { ManualClock } from "../../src/clock.ts";
import { bearer, postJson } from "../helpers/http.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { assertEquals } from "../helpers/assert.ts";
import { until } from "../helpers/until.ts";
import { insertedUser, PASSWORD } from "../helpers/accounts.ts";
import { deliveriesOf, startReceiver, webhooksApp } from "./_helpers.ts";

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
    await app.request(`/admin/webhooks/${endpoint.id}/test`, bearer(app.key, { method: "POST" }));
    const user = await insertedUser(app.database.db, "unblocked", { passwords: app.deps.passwords, verified: true });
    const delivering = app.worker.runOnce();
    await until(() => receiver.waiting === 1, { what: "the receiver holding the delivery" });
    const signin = await postJson(app, "/auth/signin", { email: user.email, password: PASSWORD });
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

Deno.test("an instance stopped mid-delivery: another instance on the database delivers the event after the lease", async () => {
  const clock = new ManualClock();
  const stopped = await webhooksApp(database, { clock });
  const survivor = await webhooksApp(database, { clock });
  let secret = "";
  const receiver = startReceiver(() => secret);
  let release = () => {};
  try {
    const endpoint = await stopped.subscribe(receiver.url, ["webhook.test"]);
    secret = endpoint.secret;
    await stopped.request(`/admin/webhooks/${endpoint.id}/test`, bearer(stopped.key, { method: "POST" }));
    // The first instance is sending when it stops: its request never gets an answer it could record
    receiver.gate = new Promise<void>((resolve) => release = resolve);
    const abandoned = stopped.worker.runOnce();
    await until(() => receiver.waiting === 1, { what: "the first instance's request at the receiver" });
    receiver.gate = undefined;
    assertEquals(await survivor.worker.runOnce(), 0, "a delivery in flight is leased to its instance");
    clock.advance(60_001);
    assertEquals(await survivor.worker.runOnce(), 1);
    const [delivery] = await deliveriesOf(survivor, endpoint.id);
    assertEquals([delivery.status, delivery.attempts, delivery.last_status], ["sent", 2, 204]);
    assertEquals(receiver.received.length, 2);
    assertEquals(receiver.received[0].id, receiver.received[1].id, "the copy carries the same webhook-id");
    release();
    await abandoned;
  } finally {
    release();
    await receiver.close();
    await stopped.close();
    await survivor.close();
  }
});
