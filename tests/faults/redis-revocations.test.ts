/**
 * The revocation cache on a Redis of the test's own, stopped, paused and restarted: a
 * revoked token is never let through and nothing answers 500 — Postgres decides whenever
 * Redis cannot.
 */
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp, memoryLogger } from "../helpers/app.ts";
import { postAs, statusOf } from "../helpers/http.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { withRedisClient } from "../helpers/redis.ts";
import { openRedisCache } from "../helpers/revocation-cache.ts";
import { getMe, MANY_REQUESTS_ENV } from "../sessions/_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { skipWithout } from "../helpers/installed.ts";

Deno.test({
  name: "faults: Redis stopped, paused and restarted under the revocation cache → revoked tokens stay 401, no 5xx",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("redis-server"),
  async fn() {
    const redis = await startRedisServer();
    const database = await createTestDatabase();
    const opened = openRedisCache(redis.url, { keyPrefix: "faults:", timeoutMs: 100, logger: memoryLogger() });
    const t = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: opened.cache });
    const observed: string[] = [];
    const check = async (phase: string, token: string, expected: number) => {
      const status = await statusOf(getMe(t, token));
      observed.push(`${phase}: ${status}`);
      assertEquals(status, expected, phase);
    };
    try {
      const user = await insertedUser(database.db, "redis-faults");
      const [revokedBefore, revokedDuring, revokedPaused, kept] = [
        await newSession(t, user),
        await newSession(t, user),
        await newSession(t, user),
        await newSession(t, user),
      ];
      await check("up, valid", kept.access_token, 200);
      await statusOf(postAs(t, "/auth/logout", revokedBefore.access_token));
      await check("up, revoked", revokedBefore.access_token, 401);

      await redis.stop();
      await check("stopped, revoked before", revokedBefore.access_token, 401);
      await statusOf(postAs(t, "/auth/logout", revokedDuring.access_token));
      await check("stopped, revoked while stopped", revokedDuring.access_token, 401);
      await check("stopped, valid", kept.access_token, 200);

      await redis.start();
      // The restarted Redis is empty: every answer must come from Postgres until refilled
      await check("restarted, revoked before", revokedBefore.access_token, 401);
      await check("restarted, revoked while stopped", revokedDuring.access_token, 401);
      await check("restarted, valid", kept.access_token, 200);

      await withRedisClient(redis.url, (client) => client.sendCommand(["CLIENT", "PAUSE", "2000", "ALL"]));
      await statusOf(postAs(t, "/auth/logout", revokedPaused.access_token));
      await check("paused, revoked while paused", revokedPaused.access_token, 401);
      await check("paused, revoked before", revokedBefore.access_token, 401);
      await check("paused, valid", kept.access_token, 200);
      // The pause runs on the server's own clock; a client of our own gets its PING answered
      // only once it is over, so the test waits for exactly that and no longer
      await withRedisClient(redis.url, (client) => client.sendCommand(["PING"]));
      await check("resumed, revoked while paused", revokedPaused.access_token, 401);
      await check("resumed, valid", kept.access_token, 200);
      console.log(observed.join("\n"));
    } finally {
      await t.close();
      await opened.close();
      await database.close();
      await redis.stop();
    }
  },
});
