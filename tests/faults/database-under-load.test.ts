/**
 * PostgreSQL failing under a steady mixed load (tests/helpers/mixed-load.ts), on a throwaway cluster:
 * restarted 20 times (`pg_ctl stop`, `-m fast` and `-m immediate` in turn), every connection terminated
 * every second for 20 s, and the network going silent three times (a proxy that swallows every
 * packet without closing anything). Each time: no request hangs or outlives the statement deadline
 * by more than 1 s, no 5xx but 503, liveness never fails, the pool is back to its pre-fault rate 5 s
 * after the last fault, no slot stays taken and nothing escapes to the process guards.
 */
import postgres from "postgres";
import { createTestApp, memoryLogger } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { skipWithout } from "../helpers/installed.ts";
import { assertRecovered, describeReport, LOAD_ENV, underLoad } from "../helpers/mixed-load.ts";
import { type PostgresCluster, startPostgresCluster } from "../helpers/postgres-cluster.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { createDatabase, type Database } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { installProcessGuards } from "../../src/process-guards.ts";

// As in production (src/main.ts): whatever escapes a request is logged here, and must not be
const guardLog = memoryLogger();
installProcessGuards(guardLog);

const DEADLINE_MS = 1500;
const POOL_SIZE = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Faults {
  cluster: PostgresCluster;
  proxy?: TcpProxy;
}

/** The app on a cluster of its own (through a proxy when asked), under load while `inject` runs. */
async function scenario(name: string, options: { viaProxy?: boolean }, inject: (faults: Faults) => Promise<void>) {
  const cluster = await startPostgresCluster();
  const proxy = options.viaProxy ? startTcpProxy(cluster.port) : undefined;
  const url = proxy ? cluster.url.replace(`:${cluster.port}/`, `:${proxy.port}/`) : cluster.url;
  const migrator = await createDatabase({ url: cluster.url, statementTimeoutMs: 0 });
  await migrateToLatest(migrator.db);
  await migrator.close();
  const database = await createDatabase({ url, poolSize: POOL_SIZE, statementTimeoutMs: DEADLINE_MS });
  const t = await createTestApp({ database, env: LOAD_ENV, withoutRedis: true });
  const escapedBefore = guardLog.lines.length;
  try {
    const report = await underLoad(t, () => inject({ cluster, proxy }));
    const idle = await idleStats(database);
    const backends = await appBackends(cluster);
    console.log(
      `${describeReport(name, report)}; at idle: ${idle.inUse} in use, ${idle.waiting} waiting, ` +
        `${backends} server connections, ${idle.discarded} connections replaced, ${idle.timedOut} deadlines missed`,
    );
    assertRecovered(report, DEADLINE_MS);
    assertEquals({ inUse: idle.inUse, waiting: idle.waiting }, { inUse: 0, waiting: 0 }, "nothing in flight at idle");
    // Behind a silenced proxy the server keeps the idle sessions it can no longer reach: those are not ours
    if (!proxy) assert(backends <= POOL_SIZE, `${backends} server connections for a pool of ${POOL_SIZE}`);
    assertEquals(guardLog.lines.slice(escapedBefore), [], "nothing escaped to the process guards");
  } finally {
    await t.close();
    await database.close();
    proxy?.close();
    await cluster.destroy();
  }
}

/** The pool's counters once the requests have settled (a background liveness check may still run). */
async function idleStats(database: Database) {
  for (let i = 0; i < 20 && (database.stats()?.inUse ?? 0) > 0; i++) await sleep(50);
  return database.stats()!;
}

async function appBackends(cluster: PostgresCluster): Promise<number> {
  const client = postgres(cluster.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await client`select count(*)::int as n from pg_stat_activity where application_name = 'jessy-api'`;
    return row.n;
  } finally {
    await client.end();
  }
}

const faultTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, ignore: skipWithout("postgres"), fn });

faultTest(
  "faults under load: PostgreSQL restarted 20 times (-m fast and -m immediate in turn) → no hang, only 503s, full recovery",
  () =>
    scenario("20 restarts, -m fast and -m immediate in turn", {}, async ({ cluster }) => {
      for (let i = 0; i < 20; i++) {
        await cluster.stop(i % 2 === 0 ? "fast" : "immediate");
        await cluster.start();
        await sleep(200);
      }
    }),
);

faultTest(
  "faults under load: every connection terminated every second for 20 s → no hang, only 503s, full recovery",
  () =>
    scenario("pg_terminate_backend every second for 20 s", {}, async ({ cluster }) => {
      for (let second = 0; second < 20; second++) {
        const started = performance.now();
        await cluster.terminateBackends();
        await sleep(1000 - (performance.now() - started));
      }
    }),
);

faultTest(
  "faults under load: the network to PostgreSQL goes silent 3 times for 3 s → 503 at the deadline, full recovery",
  () =>
    scenario("network silent 3 × 3 s (packets swallowed)", { viaProxy: true }, async ({ proxy }) => {
      for (let round = 0; round < 3; round++) {
        if (round > 0) await sleep(2000);
        proxy!.silence();
        await sleep(3000);
        proxy!.restore();
      }
    }),
);
