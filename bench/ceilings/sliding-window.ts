/**
 * The rate-limit round trip a token-checked request makes with the Redis store: one EVALSHA of
 * @upstash/ratelimit's own sliding-window script (read from the installed package, so it is the
 * script the service runs), over node-redis. Nothing of the service's code is on this path.
 */
import { createClient } from "redis";

const PACKAGE_SOURCE = "@upstash/ratelimit";

/** The script's text from the package's bundle; its `#!lua` line is dropped (Redis 7.0 refuses its flag). */
async function slidingWindowScript(): Promise<string> {
  const bundle = await Deno.readTextFile(new URL(import.meta.resolve(PACKAGE_SOURCE)));
  const match = /var slidingWindowLimitScript = `([\s\S]*?)`;/.exec(bundle);
  if (!match) throw new Error(`${PACKAGE_SOURCE} no longer bundles slidingWindowLimitScript`);
  return match[1].replace(/^#!lua[^\n]*\n/, "");
}

/** Counts one request of `subject` in a sliding window of `limit` per `windowMs`, as the service's store does. */
export async function createSlidingWindow(url: string, limit: number, windowMs: number) {
  const client = createClient({ url });
  await client.connect();
  const sha = await client.scriptLoad(await slidingWindowScript());
  return {
    /** True while `subject` is within its limit (the script answers -1 past it) */
    async count(subject: string): Promise<boolean> {
      const now = Date.now();
      const bucket = Math.floor(now / windowMs);
      const answer = await client.evalSha(sha, {
        keys: [`ceiling:${subject}:${bucket}`, `ceiling:${subject}:${bucket - 1}`, ""],
        arguments: [String(limit), String(now), String(windowMs), "1"],
      }) as number[];
      return answer[0] !== -1;
    },
    close: () => client.quit().then(() => {}),
  };
}
