import { assert, assertEquals } from "../helpers/assert.ts";
import { until } from "../helpers/until.ts";
import { ManualClock } from "../../src/clock.ts";
import { openRedisConnection, type RedisConnection } from "../../src/redis/connection.ts";
import { withTimeout } from "../../src/timeout.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { resolveTestRedis } from "../helpers/redis.ts";
import { recordingLog } from "./_helpers.ts";
import { skipWithout } from "../helpers/installed.ts";

// Runs on a redis-server of its own whenever a real Redis is configured for the suite and
// redis-server is installed.
const redisUrl = await resolveTestRedis();
const STUCK_MESSAGE = "Redis connection stuck; starting a new one";
const STUCK_AFTER_MS = 500;
/** How often the watchdog looks: min(1000, STUCK_AFTER_MS / 2) */
const WATCHDOG_MS = 250;

/**
 * A connection to a redis-server of the test's own, through a proxy the test can stall. Its
 * watchdog runs on `clock`; node-redis and the server keep real time.
 */
async function withProxiedRedis(
  clock: ManualClock,
  fn: (proxy: TcpProxy, connect: () => RedisConnection, entries: { message: string }[]) => Promise<void>,
  timeouts: { stuckAfterMs: number; replyTimeoutMs?: number } = { stuckAfterMs: STUCK_AFTER_MS },
): Promise<{ message: string }[]> {
  const server = await startRedisServer();
  const proxy = startTcpProxy(server.port);
  const { log, entries } = recordingLog();
  let connection: RedisConnection | undefined;
  try {
    await fn(
      proxy,
      () =>
        connection = openRedisConnection({
          url: `redis://127.0.0.1:${proxy.port}`,
          ...timeouts,
          log,
          clock,
        }),
      entries,
    );
  } finally {
    await connection?.close();
    proxy.close();
    await server.stop();
  }
  return entries;
}

const stuckReports = (entries: { message: string }[]) => entries.filter((entry) => entry.message === STUCK_MESSAGE);

const answersPing = (connection: RedisConnection) => () =>
  withTimeout(connection.client.sendCommand(["PING"]), 300).then((reply) => reply === "PONG", () => false);

Deno.test({
  name: "a Redis client stuck in its handshake is replaced, and the new one connects",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const clock = new ManualClock();
    await withProxiedRedis(clock, async (proxy, connect, entries) => {
      // The first connection's handshake never reaches Redis: the client waits for a reply
      // that never comes, with no error to make it try again
      proxy.holdUpstream();
      const connection = connect();
      await proxy.clientChunks(1);
      assertEquals(connection.client.isReady, false);
      proxy.stallOpenConnections();
      proxy.resumeUpstream();
      clock.advance(STUCK_AFTER_MS);
      assertEquals(stuckReports(entries).length, 0, "not stuck until no progress for longer than stuckAfterMs");
      clock.advance(WATCHDOG_MS);
      assertEquals(stuckReports(entries).length, 1, "replaced at the watchdog's next look");
      // Polls the replacement's real connection to the real server
      await until(() => Promise.resolve(connection.client.isReady), {
        timeout: 10_000,
        interval: 100,
        what: "a connection",
      });
      assert(await answersPing(connection)(), "the new client answers");
    });
  },
});

Deno.test({
  name: "a ready Redis client whose connection stops answering is replaced",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const clock = new ManualClock();
    await withProxiedRedis(clock, async (proxy, connect, entries) => {
      const connection = connect();
      await until(answersPing(connection), { timeout: 5000, interval: 100, what: "a connection" });
      // A half-open link: the client still looks ready, and nothing comes back
      proxy.stallOpenConnections();
      const lost = connection.client.sendCommand(["PING"]).catch((error: Error) => error);
      clock.advance(STUCK_AFTER_MS);
      assertEquals(stuckReports(entries).length, 0, "a reply may still come within stuckAfterMs");
      clock.advance(WATCHDOG_MS);
      assertEquals(stuckReports(entries).length, 1, "replaced at the watchdog's next look");
      assert((await lost) instanceof Error, "the command sent on the dead link was given up");
      await until(answersPing(connection), { timeout: 10_000, interval: 100, what: "an answer on the new connection" });
    });
  },
});

Deno.test({
  name: "a ready Redis client left without replies is replaced after the reply timeout, sooner than a stuck handshake",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const clock = new ManualClock();
    const replyTimeoutMs = 500;
    await withProxiedRedis(clock, async (proxy, connect, entries) => {
      const connection = connect();
      await until(answersPing(connection), { timeout: 5000, interval: 100, what: "a connection" });
      proxy.stallOpenConnections();
      void connection.client.sendCommand(["PING"]).catch(() => {});
      clock.advance(replyTimeoutMs);
      assertEquals(stuckReports(entries).length, 0, "a reply may still come within the reply timeout");
      // The watchdog looks every min(1000, stuckAfterMs / 2, replyTimeoutMs / 2) ms
      clock.advance(replyTimeoutMs / 2);
      assertEquals(stuckReports(entries).length, 1, "replaced long before the 20 s handshake bound");
      await until(answersPing(connection), { timeout: 10_000, interval: 100, what: "an answer on the new connection" });
    }, { stuckAfterMs: 20_000, replyTimeoutMs });
  },
});
