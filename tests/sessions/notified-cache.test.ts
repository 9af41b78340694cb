/**
 * Without Redis, instances on one PostgreSQL keep their memory caches in step through
 * LISTEN/NOTIFY: a token check is then signature + memory lookup, and a revocation on one
 * instance reaches the others before its response returns.
 */
import { sql } from "kysely";
import { systemClock } from "../../src/clock.ts";
import { createDatabase } from "../../src/db/database.ts";
import { insertSession } from "../../src/repositories/sessions.ts";
import { createNotifiedRevocationCache } from "../../src/services/notified-revocation-cache.ts";
import { memoryLogger } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startInstanceBehindProxies, startNotifiedPair, until } from "./_notified.ts";
import { createUser, getMe, managerOf, post, signIn, statusOf } from "./helpers.ts";

Deno.test({
  name: "notified cache: instances without Redis share revocations through PostgreSQL NOTIFY",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const instances = await startNotifiedPair();
    const { cluster, database, logger, channel, caches, a, b, assertRevocationReaches, startPeersWithCachedToken } =
      instances;
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
        await assertRevocationReaches({ holder: a, revoker: b, path: "/auth/logout-all", name: "all" });
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
        // A caches the token as valid again, then must hear that B revoked it
        assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
        assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
        assertEquals(await statusOf(post(b, "/auth/logout", pair.access_token)), 204);
        assertEquals(await statusOf(getMe(a, pair.access_token)), 401, "A hears revocations again");
      });

      await t.step(
        "a broadcast needs no pool connection: it goes out while a transaction holds the only one",
        async () => {
          const narrow = await createDatabase({
            url: cluster.url,
            connectTimeoutSeconds: 2,
            poolSize: 1,
            acquireTimeoutMs: 500,
          });
          const options = { logger, channel: `${channel}_narrow`, heartbeatMs: 200 };
          const cache = createNotifiedRevocationCache({ ...options, clock: systemClock, database: narrow });
          let release = () => {};
          const held = new Promise<void>((resolve) => release = resolve);
          try {
            await until(() => cache.shared);
            // Like a password reset, which publishes the new token version inside its transaction
            const transaction = narrow.db.transaction().execute(async (trx) => {
              await sql`select 1`.execute(trx);
              await held;
            });
            await cache.raise([{ key: "sid:narrow", value: 1, ttlSeconds: 60 }], { publish: true });
            release();
            await transaction;
            assertEquals(await cache.read(["sid:narrow"]), [1]);
          } finally {
            release();
            await cache.close();
            await narrow.close();
          }
        },
      );

      await t.step("logout-all of a user with many sessions still reaches every instance", async () => {
        // One message per session would pass PostgreSQL's 8000-byte NOTIFY limit
        const user = await createUser(database.db, "notified-many");
        const now = new Date();
        const expiresAt = new Date(now.getTime() + 3600_000);
        for (let i = 0; i < 150; i++) {
          await insertSession(database.db, { userId: user.id, ip: null, userAgent: null, now, expiresAt });
        }
        const pair = await signIn(a, user);
        assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
        assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
        assertEquals(await statusOf(post(a, "/auth/logout-all", pair.access_token)), 204);
        assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
      });

      await t.step("a password reset is announced after it commits, so nobody keeps the old version", async () => {
        const user = await createUser(database.db, "notified-reset");
        const pair = await signIn(a, user);
        let late: Awaited<ReturnType<typeof startInstanceBehindProxies>> | undefined;
        try {
          const announce = await database.db.transaction().execute(async (trx) => {
            const announce = await managerOf(a).revokeAllSessions(user.id, "password_reset", trx);
            // An instance that starts meanwhile reads the committed state: the old version, valid
            late = await startInstanceBehindProxies(cluster.port, database, { logger, channel, heartbeatMs: 200 });
            await until(() => late!.cache.shared);
            assertEquals(await statusOf(getMe(late.app, pair.access_token)), 200);
            assertEquals(await statusOf(getMe(late.app, pair.access_token)), 200);
            return announce;
          });
          await announce();
          assertEquals(await statusOf(getMe(late!.app, pair.access_token)), 401);
          assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
        } finally {
          await late?.close();
        }
      });

      await t.step("what is not a message on the channel is ignored, and the channel keeps working", async () => {
        const garbage = ["", "null", "[]", "42", '{"from":1,"id":1}', '{"from":"x","id":1,"entries":"all"}'];
        garbage.push('{"from":"x","id":1,"entries":[{"key":"k","value":"1","ttlSeconds":1}]}');
        garbage.push('{"from":"x","id":1,"ack":null}', '{"from":"x","id":1,"leaving":"yes"}');
        const logged = logger.lines.length;
        for (const payload of garbage) await sql`select pg_notify(${channel}, ${payload})`.execute(database.db);
        await assertRevocationReaches({ holder: b, revoker: a, path: "/auth/logout", name: "garbage" });
        // Nothing lost on the way: the echo and B's acknowledgement ended the publication, not the window
        const waitedOut = logger.lines.slice(logged).filter((line) =>
          String(line.message).startsWith("revocation not")
        );
        assertEquals(waitedOut, []);
      });

      await t.step("live peers' acknowledgements end a publication; one that shut down is not waited for", async () => {
        const stepLogger = memoryLogger();
        const waitedOut = () => stepLogger.lines.filter((line) => String(line.message).startsWith("revocation not"));
        const { p, q, user, pair } = await startPeersWithCachedToken("leaving", 500, stepLogger);
        try {
          assertEquals(await statusOf(post(p.app, "/auth/logout", pair.access_token)), 204);
          assertEquals(await statusOf(getMe(q.app, pair.access_token)), 401);
          assertEquals(waitedOut(), [], "Q's acknowledgement ended the publication, not the trust window");

          await q.close();
          assert(!q.cache.shared, "a closed instance trusts no cached valid answer");
          const next = await signIn(p.app, user);
          assertEquals(await statusOf(post(p.app, "/auth/logout", next.access_token)), 204);
          assertEquals(waitedOut(), [], "no trust window waited out for an instance that left");
        } finally {
          await p.close();
        }
      });
    } finally {
      await instances.close();
    }
  },
});
