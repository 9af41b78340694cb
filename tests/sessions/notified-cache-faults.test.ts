/**
 * The notified revocation cache when the channel misbehaves: late or stalled connections,
 * silent peers, newcomers. Proxies between an instance and PostgreSQL make the faults; no
 * revoked token may pass anywhere once its revocation has returned.
 */
import { systemClock } from "../../src/clock.ts";
import { createDatabase } from "../../src/db/database.ts";
import { createNotifiedRevocationCache } from "../../src/services/notified-revocation-cache.ts";
import { createTestApp, memoryLogger } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";
import { sleep, startInstanceBehindProxies, startNotifiedPair, until } from "./_notified.ts";
import { createUser, getMe, MANY_REQUESTS_ENV, post, signIn, statusOf } from "./helpers.ts";

Deno.test({
  name: "notified cache under network faults: no revoked token passes once its revocation returned",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const instances = await startNotifiedPair();
    const { cluster, database, logger, channel, caches, a, assertRevocationReaches, startPeersWithCachedToken } =
      instances;
    try {
      await t.step("each instance trusts its cache once it hears its own heartbeat", async () => {
        await until(() => caches.every((cache) => cache.shared));
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
    } finally {
      await instances.close();
    }
  },
});
