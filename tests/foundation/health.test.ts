import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { createDatabase } from "../../src/db/database.ts";

/** One database for the module: PGlite takes seconds to start, and health only reads it. */
const database = await createTestDatabase();
Deno.test.afterAll(() => database.close());

Deno.test("GET /health, GET /health/live, GET /health/ready: ok with every check up, version and active security features", async () => {
  const t = await createTestApp({ database });
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

const DETAILS_TOKEN = "health-details-token-of-32-bytes-or-more";

/** A production instance whose SMTP server is a closed local port, so the mailer check fails fast. */
async function productionApp() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return await createTestApp({
    database,
    env: {
      ENVIRONMENT: "production",
      DATABASE_URL: "postgres://unused.internal:5432/db",
      SMTP_SERVER: "127.0.0.1",
      SMTP_PORT: String(closedPort),
      BCRYPT_COST: "10",
      HEALTH_DETAILS_TOKEN: DETAILS_TOKEN,
    },
  });
}

Deno.test({
  name: "GET /health: in production anyone sees status and each check's state only; the details token shows the rest",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const t = await productionApp();
    const withToken = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
    try {
      for (
        const init of [undefined, withToken("wrong"), withToken(`${DETAILS_TOKEN}x`), withToken(DETAILS_TOKEN.slice(1))]
      ) {
        const response = await t.request("/health", init);
        assertEquals(response.status, 200);
        const body = await response.json();
        assertEquals(Object.keys(body).sort(), ["checks", "status"]);
        assert(Object.keys(body.checks).length >= 2, "every check is listed");
        for (const check of Object.values(body.checks)) assertEquals(Object.keys(check as object), ["status"]);
        assertEquals(body.checks.database, { status: "up" });
      }
      const detailed = await (await t.request("/health", withToken(DETAILS_TOKEN))).json();
      assertEquals(detailed.environment, "production");
      assertEquals(typeof detailed.version, "string");
      assertEquals(detailed.checks.database.detail, t.database.kind);
      assert(typeof detailed.checks.database.latency_ms === "number");
      assertEquals(typeof detailed.security, "object");
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  name: "GET /health: in production without HEALTH_DETAILS_TOKEN no bearer shows the details",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const t = await createTestApp({
      database,
      env: {
        ENVIRONMENT: "production",
        DATABASE_URL: "postgres://unused.internal:5432/db",
        SMTP_SERVER: "127.0.0.1",
        SMTP_PORT: "1",
        BCRYPT_COST: "10",
      },
    });
    try {
      for (const token of ["", "undefined", "null"]) {
        const body = await (await t.request("/health", { headers: { Authorization: `Bearer ${token}` } })).json();
        assertEquals(Object.keys(body).sort(), ["checks", "status"], token);
      }
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  name:
    "GET /health/ready, GET /health/live, GET /health: with the database on a closed port, readiness is 503 and health degraded, with no secret",
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
