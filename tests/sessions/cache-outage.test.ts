import { ManualClock } from "../../src/clock.ts";
import type { RevocationCache } from "../../src/services/revocation/cache.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp, memoryLogger } from "../helpers/app.ts";
import { postAs, statusOf } from "../helpers/http.ts";
import { openRedisCache } from "../helpers/revocation-cache.ts";
import { getMe, MANY_REQUESTS_ENV } from "./_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

/** A TCP port that accepts connections and never answers: a hung Redis. */
function blackHole(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const connection of listener) connections.push(connection);
    } catch {
      // Closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      for (const connection of connections) {
        try {
          connection.close();
        } catch {
          // Already closed by the client
        }
      }
      listener.close();
    },
  };
}

/** A port nothing listens on: Redis is down. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function assertPostgresDecides(cache: RevocationCache, label: string) {
  const database = await createTestDatabase();
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: cache });
  try {
    const user = await insertedUser(database.db, "outage");
    const revoked = await newSession(testApp, user);
    const kept = await newSession(testApp, user);
    assertEquals(await statusOf(getMe(testApp, revoked.access_token)), 200, `${label}: valid token`);
    assertEquals(await statusOf(postAs(testApp, "/auth/logout", revoked.access_token)), 204, `${label}: logout`);
    assertEquals(await statusOf(getMe(testApp, revoked.access_token)), 401, `${label}: revoked token`);
    assertEquals(await statusOf(getMe(testApp, kept.access_token)), 200, `${label}: other session`);
    assertEquals(await statusOf(postAs(testApp, "/auth/logout-all", kept.access_token)), 204, `${label}: logout-all`);
    assertEquals(await statusOf(getMe(testApp, kept.access_token)), 401, `${label}: after logout-all`);
  } finally {
    await testApp.close();
    await database.close();
  }
}

Deno.test("with Redis down, tokens are checked in Postgres: revoked ones stay 401, never a 500", async () => {
  const logger = memoryLogger();
  const opened = openRedisCache(`redis://127.0.0.1:${closedPort()}`, { keyPrefix: "outage:", timeoutMs: 100, logger });
  try {
    await assertPostgresDecides(opened.cache, "redis down");
  } finally {
    await opened.close();
  }
});

Deno.test("with Redis hanging, commands time out and Postgres decides", async () => {
  const hole = blackHole();
  const opened = openRedisCache(`redis://127.0.0.1:${hole.port}`, {
    keyPrefix: "hung:",
    timeoutMs: 100,
    logger: memoryLogger(),
  });
  try {
    await assertPostgresDecides(opened.cache, "redis hung");
  } finally {
    await opened.close();
    hole.close();
  }
});

Deno.test("a cache that fails only while a revocation is published cannot keep the token alive", async () => {
  // Serves reads from a map but refuses the first write, as a Redis blip during logout would
  const entries = new Map<string, number>();
  let refuseWrites = 0;
  const flaky: RevocationCache = {
    read: (keys) => Promise.resolve(keys.map((key) => entries.get(key))),
    raise(list) {
      if (refuseWrites > 0) {
        refuseWrites--;
        return Promise.reject(new Error("connection reset"));
      }
      for (const { key, value } of list) entries.set(key, Math.max(entries.get(key) ?? value, value));
      return Promise.resolve();
    },
  };
  const database = await createTestDatabase();
  const clock = new ManualClock();
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: flaky, clock });
  try {
    const user = await insertedUser(database.db, "blip");
    const pair = await newSession(testApp, user);
    assertEquals(await statusOf(getMe(testApp, pair.access_token)), 200);
    refuseWrites = 1;
    assertEquals(await statusOf(postAs(testApp, "/auth/logout", pair.access_token)), 204);
    assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401, "the instance stops trusting cached answers");
    await clock.tick(1500);
    assertEquals([...entries].filter(([key, value]) => key.startsWith("jti:") && value === 1).length, 1, "retried");
    assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401);
  } finally {
    await testApp.close();
    await database.close();
  }
});
