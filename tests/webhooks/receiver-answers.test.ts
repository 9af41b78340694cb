import { ManualClock } from "../../src/clock.ts";
import { bearer } from "../helpers/http.ts";
import { createMetrics } from "../../src/metrics/prometheus.ts";
import { NOOP_OBSERVER, type WebhookBacklog } from "../../src/observer.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { deliveriesOf, startReceiver, webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();

/** The value of one sample of the exposition, or undefined when it has none. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("a redirect is not followed and a receiver past the deadline is retried; metrics count by endpoint and outcome", async () => {
  const metrics = createMetrics({ database: { stats: () => undefined }, clock: new ManualClock() });
  const app = await webhooksApp(database, {
    worker: { requestTimeoutMs: 200, observer: metrics.observer },
  });
  let secret = "";
  const receiver = startReceiver(() => secret);
  receiver.answers.push(302);
  let release = () => {};
  try {
    const endpoint = await app.subscribe(receiver.url, ["webhook.test"]);
    secret = endpoint.secret;
    await app.request(`/admin/webhooks/${endpoint.id}/test`, bearer(app.key, { method: "POST" }));
    await app.worker.runOnce();
    let [delivery] = await deliveriesOf(app, endpoint.id);
    assertEquals([delivery.status, delivery.last_status, delivery.last_error], [
      "pending",
      302,
      "Receiver answered 302",
    ]);
    assertEquals(receiver.received.length, 1, "the Location was never requested");

    receiver.gate = new Promise<void>((resolve) => release = resolve);
    app.clock.advance(1000);
    await app.worker.runOnce();
    [delivery] = await deliveriesOf(app, endpoint.id);
    assertEquals([delivery.status, delivery.attempts, delivery.last_status], ["pending", 2, null]);
    assert(delivery.last_error.includes("deadline"), delivery.last_error);
    release();

    receiver.gate = undefined;
    app.clock.advance(2000);
    assertEquals(await app.worker.runOnce(), 1);
    const exposition = await metrics.render();
    const series = (outcome: string) => `webhook_deliveries_total{endpoint="${endpoint.id}",outcome="${outcome}"}`;
    assertEquals([sample(exposition, series("retry")), sample(exposition, series("sent"))], [2, 1]);
  } finally {
    release();
    await receiver.close();
    await app.close();
  }
});

Deno.test("webhook worker: reads the deliveries' backlog for the observer on its own schedule", async () => {
  const clock = new ManualClock();
  const reports: WebhookBacklog[] = [];
  const app = await webhooksApp(database, {
    clock,
    worker: { observer: { ...NOOP_OBSERVER, webhookBacklog: (backlog) => reports.push(backlog) } },
  });
  try {
    const endpoint = await app.subscribe("http://10.0.0.1/hooks", ["webhook.test"]);
    await app.request(`/admin/webhooks/${endpoint.id}/test`, bearer(app.key, { method: "POST" }));
    app.worker.start();
    // Each turn lets a poll's statements (real I/O) run before time moves on
    for (let turn = 0; turn < 3_000 && reports.length === 0; turn++) await clock.tick(turn % 10 === 0 ? 1_000 : 0);
    assert(reports.length > 0, "a backlog report");
    assert(reports[0].counts.pending >= 1, JSON.stringify(reports[0]));
    assert(reports[0].oldestPendingAt instanceof Date, "the oldest pending delivery's age is known");
  } finally {
    await app.close();
  }
});
