import { createClient } from "redis";
import type { LogFn } from "./types.ts";

/** Options for {@link openRedisConnection}. */
export interface RedisConnectionOptions {
  url: string;
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts. */
  maxReconnectDelayMs?: number;
  log: LogFn;
}

/** A node-redis client that connects (and reconnects) in the background. */
export interface RedisConnection {
  client: ReturnType<typeof createClient>;
  close(): Promise<void>;
}

/**
 * Opens a node-redis client without waiting for it. With a retrying reconnect strategy
 * `connect()` only settles once Redis answers, so awaiting it would block startup while
 * Redis is down; until then commands fail fast (the offline queue is off) and callers
 * fall back.
 */
export function openRedisConnection(
  options: RedisConnectionOptions,
): RedisConnection {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  // node-redis sleeps between attempts on a timer it does not cancel on destroy();
  // close() waits that sleep out so no timer outlives the connection.
  let retrySleepEndsAt = 0;
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 2000,
      reconnectStrategy(retries: number): number {
        const delay = Math.min(50 * 2 ** retries, maxDelay);
        retrySleepEndsAt = Math.max(retrySleepEndsAt, Date.now() + delay);
        return delay;
      },
    },
  });
  // Without a listener node-redis would crash the process on the first socket error.
  client.on("error", (error: Error) => {
    options.log("debug", "Redis connection error", { error: error.message });
  });
  const connecting = client.connect().catch((error: Error) => {
    options.log("warn", "Redis connection gave up", { error: error.message });
  });

  async function close(): Promise<void> {
    if (client.isOpen) client.destroy();
    await connecting;
    const wait = retrySleepEndsAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 5));
  }

  return { client, close };
}
