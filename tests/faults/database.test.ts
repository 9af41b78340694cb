import { sql } from "kysely";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp, memoryLogger, type TestApp } from "../helpers/app.ts";
import { skipWithout } from "../helpers/installed.ts";
import { until } from "../helpers/until.ts";
import { type PostgresCluster, startPostgresCluster } from "../helpers/postgres-cluster.ts";
import { createDatabase, type Database } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { installProcessGuards } from "../../src/process-guards.ts";

// As in production (src/main.ts): a driver error that escapes a request must not end the process
const guardLog = memoryLogger();
installProcessGuards(guardLog);

const LEAKS = ["127.0.0.1", "postgres://", "ECONNREFUSED", "CONNECTION", "postgres.js", "PostgresError", "terminat"];

async function expectUnavailable(response: Response, port: number) {
  assertEquals(response.status, 503);
  assertEquals(response.headers.get("content-type"), "application/problem+json");
  assert(Number(response.headers.get("retry-after")) >= 1, "Retry-After present");
  const text = await response.text();
  assertEquals(JSON.parse(text).code, "service_unavailable");
  for (const leak of [...LEAKS, String(port)]) assert(!text.includes(leak), `leaks ${leak}: ${text}`);
}

/** A database-backed probe: the readiness check and a plain query route (health). */
async function statuses(request: (path: string) => Promise<Response>) {
  const ready = await request("/health/ready");
  const health = await request("/health");
  const body = await health.json();
  await ready.clone().body?.cancel();
  return { ready, health: body.checks.database.status as string };
}

/** An app on a throwaway cluster of its own, torn down whatever the test does. */
async function onOwnCluster(
  options: { poolSize?: number; acquireTimeoutMs?: number },
  body: (t: TestApp, cluster: PostgresCluster, database: Database) => Promise<void>,
) {
  const cluster = await startPostgresCluster();
  const database = await createDatabase({
    url: cluster.url,
    connectTimeoutSeconds: 2,
    poolSize: options.poolSize,
    acquireTimeoutMs: options.acquireTimeoutMs ?? 2000,
  });
  await migrateToLatest(database.db);
  const t = await createTestApp({ database });
  try {
    await body(t, cluster, database);
  } finally {
    await t.close();
    await database.close();
    await cluster.destroy();
  }
}

Deno.test({
  name: "faults: PostgreSQL stopped mid-run → 503 with Retry-After and no driver text, then recovery by itself",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("postgres"),
  fn: () =>
    onOwnCluster({}, async (t, cluster) => {
      const observed: string[] = [];
      const before = await statuses(t.request);
      observed.push(`before: ready ${before.ready.status}, database ${before.health}`);
      assertEquals(before.ready.status, 200);

      await cluster.stop();
      const during = await statuses(t.request);
      observed.push(`stopped: ready ${during.ready.status}, database ${during.health}`);
      await expectUnavailable(during.ready, cluster.port);
      assertEquals(during.health, "down");

      await cluster.start();
      let after!: Awaited<ReturnType<typeof statuses>>;
      // The pool reconnects on its own schedule, against a server process just started
      await until(async () => (after = await statuses(t.request)).ready.status === 200, {
        timeout: 5000,
        interval: 250,
        what: "ready 200 after the restart",
      });
      observed.push(`restarted: ready ${after.ready.status}, database ${after.health}`);
      assertEquals(after.ready.status, 200);
      assertEquals(after.health, "up");
      console.log(observed.join("\n"));
    }),
});

Deno.test({
  name: "faults: backends terminated (pg_terminate_backend) → no 500, the pool reconnects",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("postgres"),
  fn: () =>
    onOwnCluster({}, async (t, cluster) => {
      assertEquals((await statuses(t.request)).ready.status, 200);
      const terminated = await cluster.terminateBackends();
      assert(terminated >= 1, "the app had a connection to terminate");
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await t.request("/health/ready");
        seen.push(response.status);
        if (response.status !== 200) await expectUnavailable(response, cluster.port);
        else await response.body?.cancel();
      }
      console.log(`after pg_terminate_backend: ${seen.join(", ")}`);
      assert(seen.every((status) => status === 200 || status === 503));
      assertEquals(seen.at(-1), 200, "recovered");
    }),
});

Deno.test({
  name: "faults: an exhausted pool answers 503 within the acquire timeout instead of hanging",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("postgres"),
  fn: () =>
    onOwnCluster({ poolSize: 2, acquireTimeoutMs: 500 }, async (t, cluster, database) => {
      // Hold both connections with slow queries
      const holders = [1, 2].map(() => sql`select pg_sleep(3)`.execute(database.db));
      await until(() => database.stats()?.inUse === 2, { what: "both connections held" });
      const started = performance.now();
      const response = await t.request("/health/ready");
      const elapsed = performance.now() - started;
      await expectUnavailable(response, cluster.port);
      assert(elapsed < 2900, `answered while the pool was still held (${Math.round(elapsed)} ms)`);
      await Promise.all(holders);
      assertEquals((await t.request("/health/ready")).status, 200);
    }),
});
