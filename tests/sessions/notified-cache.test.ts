/**
 * Without Redis, instances on one PostgreSQL keep their memory caches in step through
 * LISTEN/NOTIFY: a token check is then signature + memory lookup, and a revocation on one
 * instance reaches the others before its response returns.
 */
import { sql } from "kysely";
import { systemClock } from "../../src/clock.ts";
import { createDatabase } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { createNotifiedRevocationCache } from "../../src/services/notified-revocation-cache.ts";
import type { RevocationCache } from "../../src/services/revocation-cache.ts";
import { createTestApp, memoryLogger } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startPostgresCluster } from "../helpers/postgres-cluster.ts";
import { createUser, getMe, MANY_REQUESTS_ENV, post, signIn, statusOf } from "./helpers.ts";

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test({
  name: "notified cache: instances without Redis share revocations through PostgreSQL NOTIFY",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const cluster = await startPostgresCluster();
    const database = await createDatabase({ url: cluster.url, connectTimeoutSeconds: 2 });
    await migrateToLatest(database.db);
    const logger = memoryLogger();
    const channel = "jessy_revocations_test";
    const caches: RevocationCache[] = [0, 1].map(() =>
      createNotifiedRevocationCache({ database, clock: systemClock, logger, channel, heartbeatMs: 200 })
    );
    const a = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: caches[0] });
    const b = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: caches[1] });
    try {
      await t.step("each instance trusts its cache once it hears its own heartbeat", async () => {
        await until(() => caches.every((cache) => cache.shared));
      });

      await t.step("logout on A makes the token 401 on B at once, though B had cached it as valid", async () => {
        const user = await createUser(database.db, "notified");
        const pair = await signIn(a, user);
        const other = await signIn(a, user);
        assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
        assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
        assertEquals(await statusOf(post(a, "/auth/logout", pair.access_token)), 204);
        assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
        assertEquals(await statusOf(getMe(b, other.access_token)), 200);
      });

      await t.step("logout-all on B reaches A's cached tokens at once", async () => {
        const user = await createUser(database.db, "notified-all");
        const pair = await signIn(a, user);
        assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
        assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
        assertEquals(await statusOf(post(b, "/auth/logout-all", pair.access_token)), 204);
        assertEquals(await statusOf(getMe(a, pair.access_token)), 401);
      });

      await t.step("a lost listening connection makes the cache forget what it held, then listen again", async () => {
        const user = await createUser(database.db, "notified-lost");
        const pair = await signIn(a, user);
        // A caches the token as valid before its listener is cut
        assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
        assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
        const epochBefore = caches[0].epoch!;
        const { rows } = await sql<{ n: number }>`
          select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where application_name = 'jessy-api-listener'`.execute(database.db);
        assert(rows[0].n >= 2, "both listeners were connected");
        // Reconnecting can be quick enough that the untrusted spell is never seen: the epoch shows the forgetting
        await until(() => caches[0].epoch! > epochBefore);
        await until(() => caches.every((cache) => cache.shared));
        assertEquals(await statusOf(post(b, "/auth/logout", pair.access_token)), 204);
        assertEquals(await statusOf(getMe(a, pair.access_token)), 401, "A hears revocations again");
      });
    } finally {
      await a.close();
      await b.close();
      for (const cache of caches) await cache.close();
      await database.close();
      await cluster.destroy();
    }
  },
});
