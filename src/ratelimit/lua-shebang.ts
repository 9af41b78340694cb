import { hex } from "../encoding.ts";
/**
 * @upstash/ratelimit (since 2.1) starts every Lua script with
 * `#!lua flags=allow-key-locking`. The flag exists only on Upstash; Redis 7 refuses the
 * script with `ERR Unexpected flag in script shebang`. This drops that flag so the same
 * scripts run on a self-hosted Redis.
 */
const UPSTASH_ONLY_FLAGS = new Set(["allow-key-locking"]);
const SHEBANG = /^#!lua(?:[ \t]+flags=([^\s]*))?[ \t]*$/;

/** Returns the script with Upstash-only shebang flags removed (unchanged when none). */
export function rewriteShebang(script: string): string {
  if (!script.startsWith("#!")) return script;
  const lineEnd = script.indexOf("\n");
  const firstLine = lineEnd === -1 ? script : script.slice(0, lineEnd);
  const match = SHEBANG.exec(firstLine.replace(/\r$/, ""));
  if (!match) return script;
  const flags = (match[1] ?? "").split(",").filter((flag) => flag !== "");
  const kept = flags.filter((flag) => !UPSTASH_ONLY_FLAGS.has(flag));
  if (kept.length === flags.length) return script;
  const rest = lineEnd === -1 ? "" : script.slice(lineEnd);
  // Without other flags the shebang is commented out rather than left bare: a script
  // without one keeps the pre-7 semantics the library was written against (and still
  // runs on Redis 6), and line numbers in Lua errors stay the same.
  const header = kept.length > 0 ? `#!lua flags=${kept.join(",")}` : `-- ${firstLine.slice(2)}`;
  return header + rest;
}

/** Lower-case hex SHA-1, the digest Redis uses to name cached scripts. */
export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-1",
    new TextEncoder().encode(text),
  );
  return hex(new Uint8Array(digest));
}
