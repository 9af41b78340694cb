import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { createDatabase } from "../../src/db/database.ts";

Deno.test("health: ok with every check up, version and active security features", async () => {
  const t = await createTestApp();
  try {
    const response = await t.request("/health");
    assertEquals(response.status, 200);
    const body = await response.json();
    assertEquals(body.status, "ok");
    assertEquals(body.environment, "development");
    assertEquals(body.checks.database.status, "up");
    assert(typeof body.checks.database.latency_ms === "number");
    assertEquals(body.security.rate_limiting, true);
    assertEquals((await t.request("/health/live")).status, 200);
    assertEquals((await t.request("/health/ready")).status, 200);
  } finally {
    await t.close();
  }
});

Deno.test({
  name: "health: with the database on a closed port, readiness is 503 and health degraded, with no secret",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closedPort = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const url = `postgres://jessy:hunter2-secret@127.0.0.1:${closedPort}/jessy`;
    const database = await createDatabase({ url, connectTimeoutSeconds: 1, acquireTimeoutMs: 1000 });
    const t = await createTestApp({ database, env: { DATABASE_URL: url } });
    try {
      const ready = await t.request("/health/ready");
      assertEquals(ready.status, 503);
      assertEquals(ready.headers.get("content-type"), "application/problem+json");
      assert(Number(ready.headers.get("retry-after")) >= 1);
      const readyText = await ready.text();
      assertEquals(JSON.parse(readyText).code, "service_unavailable");

      const live = await t.request("/health/live");
      assertEquals(live.status, 200);
      await live.body?.cancel();

      const health = await t.request("/health");
      assertEquals(health.status, 200);
      const healthText = await health.text();
      const body = JSON.parse(healthText);
      assertEquals(body.status, "degraded");
      assertEquals(body.checks.database.status, "down");
      for (const text of [readyText, healthText]) {
        for (const secret of ["hunter2", "jessy:", String(closedPort), "127.0.0.1", "ECONNREFUSED", "postgres://"]) {
          assert(!text.includes(secret), `leaks ${secret}: ${text}`);
        }
      }
    } finally {
      await t.close();
      await database.close();
    }
  },
});
