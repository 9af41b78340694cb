import assert from "node:assert/strict";
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

/** A connection to a redis-server of the test's own, through a proxy the test can stall. */
async function withProxiedRedis(
  fn: (proxy: TcpProxy, connect: () => RedisConnection) => Promise<void>,
  timeouts: { stuckAfterMs: number; replyTimeoutMs?: number } = { stuckAfterMs: 500 },
): Promise<{ message: string }[]> {
  const server = await startRedisServer();
  const proxy = startTcpProxy(server.port);
  const { log, entries } = recordingLog();
  let connection: RedisConnection | undefined;
  try {
    await fn(
      proxy,
      () => connection = openRedisConnection({ url: `redis://127.0.0.1:${proxy.port}`, ...timeouts, log }),
    );
  } finally {
    await connection?.close();
    proxy.close();
    await server.stop();
  }
  return entries;
}

const answersPing = (connection: RedisConnection) => () =>
  withTimeout(connection.client.sendCommand(["PING"]), 300).then((reply) => reply === "PONG", () => false);

Deno.test({
  name: "a Redis client stuck in its handshake is replaced, and the new one connects",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const entries = await withProxiedRedis(async (proxy, connect) => {
      // The first connection's handshake never reaches Redis: the client waits for a reply
      // that never comes, with no error to make it try again
      proxy.holdUpstream();
      const connection = connect();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(connection.client.isReady, false);
      proxy.stallOpenConnections();
      proxy.resumeUpstream();
      assert.ok(await waitFor(() => Promise.resolve(connection.client.isReady), 10_000), "never connected");
      assert.ok(await answersPing(connection)(), "the new client answers");
    });
    assert.ok(entries.some((entry) => entry.message === STUCK_MESSAGE));
  },
});

Deno.test({
  name: "a ready Redis client whose connection stops answering is replaced",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const entries = await withProxiedRedis(async (proxy, connect) => {
      const connection = connect();
      assert.ok(await waitFor(answersPing(connection), 5000), "never connected");
      // A half-open link: the client still looks ready, and nothing comes back
      proxy.stallOpenConnections();
      const lost = connection.client.sendCommand(["PING"]).catch((error: Error) => error);
      assert.ok(await waitFor(answersPing(connection), 10_000), "never answered again");
      assert.ok((await lost) instanceof Error, "the command sent on the dead link was given up");
    });
    assert.ok(entries.some((entry) => entry.message === STUCK_MESSAGE));
  },
});

Deno.test({
  name: "a ready Redis client left without replies is replaced after the reply timeout, sooner than a stuck handshake",
  ignore: !redisUrl || skipWithout("redis-server"),
  async fn() {
    const entries = await withProxiedRedis(async (proxy, connect) => {
      const connection = connect();
      assert.ok(await waitFor(answersPing(connection), 5000), "never connected");
      proxy.stallOpenConnections();
      const stalled = performance.now();
      void connection.client.sendCommand(["PING"]).catch(() => {});
      assert.ok(await waitFor(answersPing(connection), 5000), "never answered again");
      const replacedAfterMs = performance.now() - stalled;
      assert.ok(replacedAfterMs < 3000, `replaced after ${Math.round(replacedAfterMs)} ms, not at the reply timeout`);
    }, { stuckAfterMs: 20_000, replyTimeoutMs: 500 });
    assert.ok(entries.some((entry) => entry.message === STUCK_MESSAGE));
  },
});
