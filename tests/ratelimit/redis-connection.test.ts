import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import { openRedisConnection, type RedisConnection } from "../../src/redis/connection.ts";
import { withTimeout } from "../../src/timeout.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { recordingLog, resolveTestRedis, waitFor } from "./_redis.ts";
import { startRedisServer } from "./_redis_server.ts";
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
      assert.equal(connection.client.isReady, false);
      proxy.stallOpenConnections();
      proxy.resumeUpstream();
      clock.advance(STUCK_AFTER_MS);
      assert.equal(stuckReports(entries).length, 0, "not stuck until no progress for longer than stuckAfterMs");
      clock.advance(WATCHDOG_MS);
      assert.equal(stuckReports(entries).length, 1, "replaced at the watchdog's next look");
      // Polls the replacement's real connection to the real server
      assert.ok(await waitFor(() => Promise.resolve(connection.client.isReady), 10_000), "never connected");
      assert.ok(await answersPing(connection)(), "the new client answers");
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
      assert.ok(await waitFor(answersPing(connection), 5000), "never connected");
      // A half-open link: the client still looks ready, and nothing comes back
      proxy.stallOpenConnections();
      const lost = connection.client.sendCommand(["PING"]).catch((error: Error) => error);
      clock.advance(STUCK_AFTER_MS);
      assert.equal(stuckReports(entries).length, 0, "a reply may still come within stuckAfterMs");
      clock.advance(WATCHDOG_MS);
      assert.equal(stuckReports(entries).length, 1, "replaced at the watchdog's next look");
      assert.ok((await lost) instanceof Error, "the command sent on the dead link was given up");
      assert.ok(await waitFor(answersPing(connection), 10_000), "never answered again");
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
      assert.ok(await waitFor(answersPing(connection), 5000), "never connected");
      proxy.stallOpenConnections();
      void connection.client.sendCommand(["PING"]).catch(() => {});
      clock.advance(replyTimeoutMs);
      assert.equal(stuckReports(entries).length, 0, "a reply may still come within the reply timeout");
      // The watchdog looks every min(1000, stuckAfterMs / 2, replyTimeoutMs / 2) ms
      clock.advance(replyTimeoutMs / 2);
      assert.equal(stuckReports(entries).length, 1, "replaced long before the 20 s handshake bound");
      assert.ok(await waitFor(answersPing(connection), 10_000), "never answered again");
    }, { stuckAfterMs: 20_000, replyTimeoutMs });
  },
});
