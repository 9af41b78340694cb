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
