import { createClient } from "redis";
import { type Clock, systemClock } from "../clock.ts";
import type { LogFn } from "../logger.ts";
import { withTimeout } from "../timeout.ts";
import { SpanKind, withSpan } from "../tracing.ts";

/** The part of a node-redis client its users need: the rate limiter and the revocation cache. */
export interface RespClient {
  readonly isReady: boolean;
  sendCommand(args: string[]): Promise<unknown>;
}

/** Options for {@link openRedisConnection}. */
export interface RedisConnectionOptions {
  url: string;
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts. */
  maxReconnectDelayMs?: number;
  /** How long the client may show no sign of progress before it is replaced. */
  stuckAfterMs?: number;
  /**
   * How long a ready client may leave commands without any reply before it is replaced
   * (default `stuckAfterMs`); shorter, since a ready Redis answers in milliseconds
   */
  replyTimeoutMs?: number;
  log: LogFn;
  /** Drives the watchdog; node-redis's own reconnection sleeps stay on real time */
  clock?: Clock;
  /** Called on every connection error, besides the debug log line */
  onError?: (error: Error) => void;
  /** Span every command (OpenTelemetry; see tracing.ts): its name, never its keys or values */
  traced?: boolean;
}

/** A node-redis client that connects (and reconnects) in the background. */
export interface RedisConnection {
  /** Always the client currently in use */
  client: RespClient;
  close(): Promise<void>;
}

type Client = ReturnType<typeof createClient>;

/**
 * Opens a node-redis client without waiting for it. With a retrying reconnect strategy
 * `connect()` only settles once Redis answers, so awaiting it would block startup while
 * Redis is down; until then commands fail fast (the offline queue is off) and callers
 * fall back.
 *
 * node-redis can stall for good and never notice: a connection reset while its handshake
 * is being written leaves the handshake waiting for a reply that never comes, and a
 * connection made to a server in the middle of dying can look ready while nothing answers
 * on it. So the client in use is replaced when it shows no progress for `stuckAfterMs`:
 * while connecting, no attempt failed or succeeded; while ready, commands wait and no
 * reply came.
 */
export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const connectTimeout = options.connectTimeoutMs ?? 2000;
  const stuckAfterMs = options.stuckAfterMs ?? 2 * (connectTimeout + maxDelay);
  const replyTimeoutMs = options.replyTimeoutMs ?? stuckAfterMs;
  const clock = options.clock ?? systemClock;
  // node-redis sleeps between attempts on a timer it does not cancel on destroy();
  // close() waits that sleep out so no timer outlives the connection.
  let retrySleepEndsAt = 0;
  /** Replaced clients still winding down */
  const retired = new Set<Promise<void>>();
  /** Last sign of life: an attempt's outcome, readiness or a reply */
  let progressMs = clock.monotonicMs();
  let waitingReplies = 0;
  let waitingSinceMs = 0;
  let current = open();
  const watchdog = clock.setInterval(replaceIfStuck, Math.min(1000, stuckAfterMs / 2, replyTimeoutMs / 2));

  function open(): { client: Client; connecting: Promise<void> } {
    const client: Client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout,
        reconnectStrategy(retries: number): number {
          const delay = Math.min(50 * 2 ** retries, maxDelay);
          retrySleepEndsAt = Math.max(retrySleepEndsAt, systemClock.monotonicMs() + delay);
          return delay;
        },
      },
    });
    // Without a listener node-redis would crash the process on the first socket error.
    client.on("error", (error: Error) => {
      options.log("debug", "Redis connection error", { error: error.message });
      options.onError?.(error);
      progressMs = clock.monotonicMs();
    });
    client.on("ready", () => progressMs = clock.monotonicMs());
    const connecting = client.connect().then(() => {}, (error: Error) => {
      options.log("warn", "Redis connection gave up", { error: error.message });
    });
    return { client, connecting };
  }

  function replaceIfStuck() {
    const nowMs = clock.monotonicMs();
    const { client } = current;
    const stuck = client.isReady
      ? waitingReplies > 0 && nowMs - Math.max(progressMs, waitingSinceMs) > replyTimeoutMs
      : nowMs - progressMs > stuckAfterMs;
    if (!stuck) return;
    options.log("warn", "Redis connection stuck; starting a new one", { ready: client.isReady });
    progressMs = nowMs;
    const stale = current;
    current = open();
    if (stale.client.isOpen) stale.client.destroy();
    retired.add(stale.connecting);
    void stale.connecting.then(() => retired.delete(stale.connecting));
  }

  function sendCommand(args: string[]): Promise<unknown> {
    if (waitingReplies++ === 0) waitingSinceMs = clock.monotonicMs();
    return current.client.sendCommand(args).finally(() => {
      waitingReplies--;
      progressMs = clock.monotonicMs();
    });
  }

  function tracedCommand(args: string[]): Promise<unknown> {
    const command = (args[0] ?? "").toUpperCase();
    return withSpan(
      `redis ${command}`,
      { "db.system.name": "redis", "db.operation.name": command },
      () => sendCommand(args),
      SpanKind.CLIENT,
    );
  }

  async function close(): Promise<void> {
    clock.clearInterval(watchdog);
    if (current.client.isOpen) current.client.destroy();
    // A client stuck on a server that never answers may never settle: wait briefly only. The
    // wait is for node-redis's sockets to wind down, which real time drives, not `clock`: a
    // test's ManualClock would leave close() waiting for an advance that never comes
    await withTimeout(Promise.all([current.connecting, ...retired]), 1000, "The call", systemClock).catch(() => {});
    // node-redis's sleep is a real timer of its own, so real time it is
    const wait = retrySleepEndsAt - systemClock.monotonicMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 5));
  }

  return {
    client: {
      get isReady() {
        return current.client.isReady;
      },
      sendCommand: options.traced ? tracedCommand : sendCommand,
    },
    close,
  };
}
