/**
 * Cost of one breached-password lookup (two positioned reads and a binary search in a bucket),
 * on a file built from N random digests by the same builder as `deno task pwned:build`.
 *
 *   deno run -A bench/pwned-lookup.ts [N=1000000] [LOOKUPS=20000]
 */
import { join } from "node:path";
import { buildPwnedFile } from "../src/cli/pwned-build.ts";
import { openPwnedFile } from "../src/services/accounts/credentials/pwned-file.ts";
import { hex } from "../src/encoding.ts";

const count = Number(Deno.args[0] ?? 1_000_000);
const lookups = Number(Deno.args[1] ?? 20_000);
const dir = await Deno.makeTempDir({ prefix: "pwned-bench-" });
try {
  const source = join(dir, "source.txt");
  const digests: Uint8Array[] = [];
  const file = await Deno.open(source, { write: true, create: true });
  const encoder = new TextEncoder();
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    const digest = crypto.getRandomValues(new Uint8Array(20));
    if (i < lookups) digests.push(digest);
    chunk.push(`${hex(digest).toUpperCase()}:${i + 1}`);
    if (chunk.length === 10_000) {
      await file.write(encoder.encode(chunk.join("\n") + "\n"));
      chunk = [];
    }
  }
  await file.write(encoder.encode(chunk.join("\n")));
  file.close();
  const out = join(dir, "pwned.bin");
  const built = performance.now();
  const { bits } = await buildPwnedFile(source, out);
  const buildMs = performance.now() - built;
  const pwned = await openPwnedFile(out);
  const misses = Array.from({ length: lookups }, () => crypto.getRandomValues(new Uint8Array(20)));
  for (const digest of digests.slice(0, 1000)) await pwned.containsDigest(digest); // warm-up
  const measure = async (set: Uint8Array[], expected: boolean) => {
    const start = performance.now();
    for (const digest of set) {
      if (await pwned.containsDigest(digest) !== expected) throw new Error("wrong answer");
    }
    return (performance.now() - start) * 1000 / set.length;
  };
  const hitUs = await measure(digests, true);
  const missUs = await measure(misses, false);
  const start = performance.now();
  for (let i = 0; i < 2000; i++) await pwned.contains(`password-${i}`);
  const withHashUs = (performance.now() - start) * 1000 / 2000;
  await pwned.close();
  const size = (await Deno.stat(out)).size;
  console.log(JSON.stringify({
    digests: count,
    buckets: 2 ** bits,
    file_bytes: size,
    build_ms: Math.round(buildMs),
    hit_us_per_lookup: Number(hitUs.toFixed(1)),
    miss_us_per_lookup: Number(missUs.toFixed(1)),
    password_us_per_lookup_with_sha1: Number(withHashUs.toFixed(1)),
    rss_mib: Math.round(Deno.memoryUsage().rss / 2 ** 20),
  }));
} finally {
  await Deno.remove(dir, { recursive: true });
}
