/**
 * Redis restarted under the same mixed load as PostgreSQL (tests/helpers/mixed-load.ts), with rate
 * limits and the revocation cache on a throwaway redis-server: no request hangs, none answers 5xx,
 * every request is limited (from memory while Redis is away), and the limiter is back on Redis
 * after the last restart.
 */
import { createTestApp, memoryLogger } from "../helpers/app.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { skipWithout } from "../helpers/installed.ts";
import { assertRecovered, describeReport, LOAD_ENV, underLoad } from "../helpers/mixed-load.ts";
import { installProcessGuards } from "../../src/process-guards.ts";

const guardLog = memoryLogger();
installProcessGuards(guardLog);

const RESTARTS = 20;
const RATE_LIMIT_TIMEOUT_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test({
  name: "faults under load: Redis killed and restarted 20 times → no hang, no 5xx, the limiter back on Redis",
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: skipWithout("redis-server"),
  async fn() {
    const redis = await startRedisServer();
    const database = await createTestDatabase();
    const t = await createTestApp({
      database,
      env: { ...LOAD_ENV, RATE_LIMIT_TIMEOUT_MS: String(RATE_LIMIT_TIMEOUT_MS) },
      rateLimitRedisUrl: redis.url,
    });
    try {
      const report = await underLoad(t, async () => {
        for (let i = 0; i < RESTARTS; i++) {
          await redis.stop();
          await redis.start();
          await sleep(500);
        }
      });
      const health = await t.deps.rateLimiter.health();
      const recovered = t.logger.lines.filter((line) => line.message === "Rate limit store recovered").length;
      console.log(
        `${describeReport(`${RESTARTS} Redis restarts (SIGKILL)`, report)}; limiter ${health.status} on ` +
          `${health.store} at the end, back on Redis ${recovered} times; /auth/me ${report.recoveredMedianMs.me} ms ` +
          `(median) in the last second`,
      );
      // Redis being away costs nothing but shared counts: the deadline that bounds a request is its own
      assertRecovered(report, RATE_LIMIT_TIMEOUT_MS);
      for (const route of ["me", "refresh", "signup", "ready", "live"] as const) {
        assertEquals(Object.keys(report.statuses[route]).filter((status) => Number(status) >= 500), [], route);
      }
      assertEquals({ status: health.status, store: health.store }, { status: "up", store: "redis" });
      // Token checks read the revocation cache on the same connection: no longer waiting out its timeout
      assert(
        report.recoveredMedianMs.me < RATE_LIMIT_TIMEOUT_MS,
        `/auth/me took ${report.recoveredMedianMs.me} ms (median) 5 s after the last restart`,
      );
      assert(recovered >= 1, "the limiter went back to Redis");
      assertEquals(guardLog.lines, [], "nothing escaped to the process guards");
    } finally {
      await t.close();
      await database.close();
      await redis.stop();
    }
  },
});
