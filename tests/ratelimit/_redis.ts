import { createClient } from "redis";
import type { LogFn } from "../../src/ratelimit/types.ts";

/**
 * The Redis under test, from TEST_REDIS_URL. Unset: undefined (memory-only run).
 * Set but unreachable: a failure under CI=true, a skip with a warning elsewhere.
 */
export async function resolveTestRedis(): Promise<string | undefined> {
  const url = Deno.env.get("TEST_REDIS_URL");
  if (!url) return undefined;
  const problem = await pingRedis(url);
  if (problem === undefined) return url;
  const message = `TEST_REDIS_URL=${url} is unreachable: ${problem}`;
  if (Deno.env.get("CI") === "true") throw new Error(message);
  console.warn(`${message}; skipping the Redis tests`);
  return undefined;
}

async function pingRedis(url: string): Promise<string | undefined> {
  const client = createClient({
    url,
    socket: { connectTimeout: 2000, reconnectStrategy: false },
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

/** A key prefix no other test (or engineer sharing the Redis) uses. */
export function uniquePrefix(): string {
  return `jessy:rl:test:${crypto.randomUUID()}`;
}

/** A log function that remembers what it was told. */
export function recordingLog(): {
  log: LogFn;
  entries: { level: string; message: string }[];
} {
  const entries: { level: string; message: string }[] = [];
  const log: LogFn = (level, message) => {
    if (level !== "debug") entries.push({ level, message });
  };
  return { log, entries };
}

/** Runs `fn` with a connected node-redis client, then closes it. */
export async function withRedisClient<T>(
  url: string,
  fn: (client: ReturnType<typeof createClient>) => Promise<T>,
): Promise<T> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    if (client.isOpen) client.destroy();
  }
}
