/** What the notified revocation cache tests share: instances on a throwaway cluster, proxies between. */
import { systemClock } from "../../src/clock.ts";
import { createDatabase, type Database } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import type { Logger } from "../../src/logger.ts";
import { createNotifiedRevocationCache } from "../../src/services/notified-revocation-cache.ts";
import type { RevocationCache } from "../../src/services/revocation-cache.ts";
import { createTestApp, memoryLogger, type TestApp } from "../helpers/app.ts";
import { assertEquals } from "../helpers/assert.ts";
import { startPostgresCluster } from "../helpers/postgres-cluster.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { createUser, getMe, MANY_REQUESTS_ENV, post, signIn, statusOf } from "./helpers.ts";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An instance whose channel traffic runs through two proxies a step can disturb apart: it
 * hears (LISTEN) through `hear` and speaks (NOTIFY) through `speak`. Its SQL goes straight
 * to PostgreSQL through `database`.
 */
export async function startInstanceBehindProxies(
  port: number,
  database: Database,
  options: { logger: Logger; channel: string; heartbeatMs: number },
) {
  const hear = startTcpProxy(port);
  const speak = startTcpProxy(port);
  const url = (proxy: TcpProxy) => `postgres://postgres@127.0.0.1:${proxy.port}/postgres`;
  const hearing = await createDatabase({ url: url(hear), connectTimeoutSeconds: 2 });
  const speaking = await createDatabase({ url: url(speak), connectTimeoutSeconds: 2 });
  // Never listens: its connection (or, as a fallback, speaking's pool) only carries NOTIFYs.
  // In production both go over one connection; apart, a step can slow one direction alone
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

export async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(50);
  }
}

/**
 * A throwaway PostgreSQL cluster with two instances, A and B, whose revocation caches
 * listen on one channel, plus the helpers the steps share.
 */
export async function startNotifiedPair() {
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

  return {
    cluster,
    database,
    logger,
    channel,
    caches,
    a,
    b,
    assertRevocationReaches,
    startPeersWithCachedToken,
    async close() {
      await a.close();
      await b.close();
      for (const cache of caches) await cache.close();
      await database.close();
      await cluster.destroy();
    },
  };
}
