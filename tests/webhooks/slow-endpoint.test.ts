import { createTestDatabase } from "../helpers/database.ts";
import { bearer } from "../helpers/http.ts";
import { assertEquals } from "../helpers/assert.ts";
import { until } from "../helpers/until.ts";
import { startReceiver, webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();

Deno.test("a receiver that hangs holds only its own endpoint's slots: the running worker keeps delivering to the others", async () => {
  // The hanging attempts stay in flight for the whole test (no deadline reached): only the poll loop can move on
  const app = await webhooksApp(database, { worker: { requestTimeoutMs: 60_000 } });
  const hanging = startReceiver(() => null);
  const healthy = startReceiver(() => null);
  let release = () => {};
  hanging.gate = new Promise<void>((resolve) => release = resolve);
  try {
    const slow = await app.subscribe(hanging.url, ["webhook.test"]);
    const fine = await app.subscribe(healthy.url, ["webhook.test"]);
    // The slow endpoint's events are the oldest, so a poll that takes the oldest due rows takes them first
    for (let i = 0; i < 10; i++) {
      await app.request(`/admin/webhooks/${slow.id}/test`, bearer(app.key, { method: "POST" }));
    }
    for (let i = 0; i < 10; i++) {
      await app.request(`/admin/webhooks/${fine.id}/test`, bearer(app.key, { method: "POST" }));
    }

    app.worker.start();
    await until(async () => {
      await app.clock.tick(1000);
      return healthy.received.length === 10;
    }, { timeout: 20_000, what: "every delivery to the healthy endpoint" });
    assertEquals(hanging.waiting, 4, "the hanging endpoint has its 4 slots in use, no more");
  } finally {
    release();
    await app.close();
    await hanging.close();
    await healthy.close();
  }
});
