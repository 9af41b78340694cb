/**
 * Without Redis, instances on one PostgreSQL keep their memory caches in step through
 * LISTEN/NOTIFY: a token check is then signature + memory lookup, and a revocation on one
 * instance reaches the others before its response returns.
 */
import { sql } from "kysely";
import { systemClock } from "../../src/clock.ts";
import { createDatabase, type Database } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { createNotifiedRevocationCache } from "../../src/services/notified-revocation-cache.ts";
import type { RevocationCache } from "../../src/services/revocation-cache.ts";
import type { Logger } from "../../src/logger.ts";
import { createTestApp, memoryLogger, type TestApp } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startPostgresCluster } from "../helpers/postgres-cluster.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { insertSession } from "../../src/repositories/sessions.ts";
import { createUser, getMe, managerOf, MANY_REQUESTS_ENV, post, signIn, statusOf } from "./helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An instance whose channel traffic runs through two proxies a step can disturb apart: it
 * hears (LISTEN) through `hear` and speaks (NOTIFY) through `speak`. Its SQL goes straight
 * to PostgreSQL through `database`.
 */
async function startInstanceBehindProxies(
  port: number,
  database: Database,
  options: { logger: Logger; channel: string; heartbeatMs: number },
) {
  const hear = startTcpProxy(port);
  const speak = startTcpProxy(port);
  const url = (proxy: TcpProxy) => `postgres://postgres@127.0.0.1:${proxy.port}/postgres`;
  const hearing = await createDatabase({ url: url(hear), connectTimeoutSeconds: 2 });
  const speaking = await createDatabase({ url: url(speak), connectTimeoutSeconds: 2 });
  // Never listens, so it never connects: only its NOTIFY (through speaking's pool) is used
  const speaker = speaking.openListener!({ onMessage() {}, onClose() {} });
  const cache = createNotifiedRevocationCache({
    ...options,
    clock: systemClock,
    database: {
      ...hearing,
      openListener: (handlers) => ({ ...hearing.openListener!(handlers), notify: speaker.notify }),
    },
  });
  const app = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: cache });
  return {
    app,
    cache,
    hear,
    speak,
    async close() {
      hear.delayDownstream(0);
      speak.resumeUpstream();
      await app.close();
      await cache.close();
      await speaker.close();
      await hearing.close();
      await speaking.close();
      hear.close();
      speak.close();
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(50);
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
    /** A token the holder has cached as valid is 401 there right after the revoker revokes it */
    async function assertRevocationReaches(
      { holder, revoker, path, name }: { holder: TestApp; revoker: TestApp; path: string; name: string },
    ) {
      const pair = await signIn(revoker, await createUser(database.db, `notified-${name}`));
      assertEquals(await statusOf(getMe(holder, pair.access_token)), 200);
      assertEquals(await statusOf(getMe(holder, pair.access_token)), 200);
      assertEquals(await statusOf(post(revoker, path, pair.access_token)), 204);
      assertEquals(await statusOf(getMe(holder, pair.access_token)), 401);
    }

    /** Two instances on a channel of their own, with a token Q has cached as valid */
    async function startPeersWithCachedToken(name: string, heartbeatMs: number, peerLogger: Logger) {
      const options = { logger: peerLogger, channel: `${channel}_${name}`, heartbeatMs };
      const p = await startInstanceBehindProxies(cluster.port, database, options);
      const q = await startInstanceBehindProxies(cluster.port, database, options);
      await until(() => p.cache.shared && q.cache.shared);
      // Each has listened for a whole trust window by now, so it can tell who may still trust a cache
      await sleep(3 * heartbeatMs + 100);
      const user = await createUser(database.db, `notified-${name}`);
      const pair = await signIn(p.app, user);
      assertEquals(await statusOf(getMe(q.app, pair.access_token)), 200);
      assertEquals(await statusOf(getMe(q.app, pair.access_token)), 200);
      return { p, q, user, pair };
    }
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

      await t.step("an instance that hears late and can no longer speak stops trusting its cache", async () => {
        const c = await startInstanceBehindProxies(cluster.port, database, { logger, channel, heartbeatMs: 200 });
        try {
          await until(() => c.cache.shared);
          const user = await createUser(database.db, "notified-late");
          const pair = await signIn(a, user);
          assertEquals(await statusOf(getMe(c.app, pair.access_token)), 200);
          assertEquals(await statusOf(getMe(c.app, pair.access_token)), 200);
          // C hears everything a second late, heartbeats included
          c.hear.delayDownstream(1000);
          await sleep(1100);
          // Then its heartbeats stop reaching PostgreSQL: A stops waiting for C, while
          // C still hears, late, echoes of heartbeats it sent before
          c.speak.holdUpstream();
          await sleep(800);
          assertEquals(await statusOf(post(a, "/auth/logout", pair.access_token)), 204);
          assert(!c.cache.shared, "echoes of heartbeats sent too long ago vouch for nothing");
          assertEquals(await statusOf(getMe(c.app, pair.access_token)), 401);

          c.hear.delayDownstream(0);
          c.speak.resumeUpstream();
          await until(() => c.cache.shared);
          const next = await signIn(a, user);
          assertEquals(await statusOf(getMe(c.app, next.access_token)), 200);
          assertEquals(await statusOf(getMe(c.app, next.access_token)), 200);
          assertEquals(await statusOf(post(a, "/auth/logout", next.access_token)), 204);
          assertEquals(await statusOf(getMe(c.app, next.access_token)), 401, "C hears revocations again");
        } finally {
          await c.close();
        }
      });

      await t.step("a publication waits out the trust window of a peer that suddenly stops hearing", async () => {
        // A trust window (3 × 500 ms) longer than a second, so a publisher giving up on a
        // missing acknowledgement after a fixed second would leave Q trusting the old facts
        const stepLogger = memoryLogger();
        const { p, q, pair } = await startPeersWithCachedToken("wide", 500, stepLogger);
        try {
          assert(q.cache.shared, "Q trusts its cache before it stops hearing");
          q.hear.delayDownstream(10_000);
          assertEquals(await statusOf(post(p.app, "/auth/logout", pair.access_token)), 204);
          assertEquals(await statusOf(getMe(q.app, pair.access_token)), 401);
          assert(
            stepLogger.lines.some((line) =>
              line.message === "revocation not acknowledged by every instance; waited out the trust window instead" &&
              line.instances === 1
            ),
            "the publisher reports the silent instance",
          );
        } finally {
          await p.close();
          await q.close();
        }
      });

      await t.step("a peer heard again just before a revocation's commit is waited for", async () => {
        // A 1.5 s window, so that P's NOTIFY can wait on the way out without being given up
        const { p, q, pair } = await startPeersWithCachedToken("back", 500, logger);
        try {
          // Q falls silent long enough for P to stop counting it
          q.speak.holdUpstream();
          await sleep(1700);
          // P starts publishing while Q is silent; its NOTIFY waits on the way out
          p.speak.holdUpstream();
          const logout = post(p.app, "/auth/logout", pair.access_token);
          await sleep(200);
          // Q's heartbeats reach PostgreSQL, ahead of the revocation, and Q trusts its cache again
          q.speak.resumeUpstream();
          await until(() => q.cache.shared);
          // From now on Q hears everything late, the revocation included
          q.hear.delayDownstream(1500);
          p.speak.resumeUpstream();
          assertEquals(await statusOf(logout), 204);
          assertEquals(await statusOf(getMe(q.app, pair.access_token)), 401);
        } finally {
          await p.close();
          await q.close();
        }
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
        for (const payload of garbage) await sql`select pg_notify(${channel}, ${payload})`.execute(database.db);
        await assertRevocationReaches({ holder: b, revoker: a, path: "/auth/logout", name: "garbage" });
      });

      await t.step(
        "a listening connection that stops answering is replaced, and no revocation hangs on it",
        async () => {
          // Production's layout: LISTEN and NOTIFY share one connection, here through a proxy
          const proxy = startTcpProxy(cluster.port);
          const stuck = await createDatabase({
            url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
            connectTimeoutSeconds: 2,
          });
          const stepLogger = memoryLogger();
          const options = { logger: stepLogger, channel, heartbeatMs: 200 };
          const cache = createNotifiedRevocationCache({ ...options, clock: systemClock, database: stuck });
          const s = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: cache });
          try {
            await until(() => cache.shared);
            const epochBefore = cache.epoch!;
            const user = await createUser(database.db, "notified-stuck");
            const pair = await signIn(s, user);
            assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
            assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
            proxy.stallOpenConnections();
            // The broadcast goes through the pool instead; A hears it at once
            const outcome = await Promise.race([statusOf(post(s, "/auth/logout", pair.access_token)), sleep(10_000)]);
            assertEquals(outcome, 204, "the logout returned");
            assertEquals(await statusOf(getMe(a, pair.access_token)), 401);
            // The stalled connection is given up for a new one, and S trusts its cache again
            await until(() => cache.epoch! > epochBefore && cache.shared);
            assert(
              stepLogger.lines.some((line) => line.message === "revocation channel stopped answering; reconnecting"),
            );
            await assertRevocationReaches({ holder: s, revoker: a, path: "/auth/logout", name: "unstuck" });
          } finally {
            await s.close();
            await cache.close();
            await stuck.close();
            proxy.close();
          }
        },
      );

      await t.step("a publisher that has only just started listening waits out the whole trust window", async () => {
        const options = { logger, channel: `${channel}_fresh`, heartbeatMs: 1000 };
        const { p, q, user, pair } = await startPeersWithCachedToken("fresh", 1000, logger);
        let fresh: Awaited<ReturnType<typeof startInstanceBehindProxies>> | undefined;
        try {
          // Q hears everything 1.5 s late, within its 3 s trust window, then stops speaking:
          // it still trusts its cache, and a newcomer cannot have heard from it
          q.hear.delayDownstream(1500);
          await sleep(1600);
          q.speak.holdUpstream();
          assert(q.cache.shared, "Q still trusts its cache");
          fresh = await startInstanceBehindProxies(cluster.port, database, options);
          await until(() => fresh!.cache.shared);
          const other = await signIn(p.app, user);
          assertEquals(await statusOf(post(fresh.app, "/auth/logout", pair.access_token)), 204);
          assertEquals(await statusOf(getMe(q.app, pair.access_token)), 401);
          assertEquals(await statusOf(getMe(p.app, other.access_token)), 200);
        } finally {
          await fresh?.close();
          await p.close();
          await q.close();
        }
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
      await a.close();
      await b.close();
      for (const cache of caches) await cache.close();
      await database.close();
      await cluster.destroy();
    }
  },
});
