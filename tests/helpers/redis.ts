/** The Redis tests share (TEST_REDIS_URL): reaching it, using it, cleaning up after themselves. */
import { createClient } from "redis";

/** Deletes every key under `prefix`: the way tests clean a shared Redis (never FLUSHALL). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const admin = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  await admin.connect();
  try {
    const keys: string[] = [];
    for await (const batch of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
    if (keys.length > 0) await admin.del(keys);
  } finally {
    admin.destroy();
  }
}

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
