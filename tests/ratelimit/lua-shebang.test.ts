import { assertEquals, assertMatch, assertRejects } from "../helpers/assert.ts";
import { Redis } from "@upstash/redis";
import { rewriteShebang, sha1Hex } from "../../src/ratelimit/lua-shebang.ts";
import { createRespRequester } from "../../src/ratelimit/resp-requester.ts";
import { resolveTestRedis, withRedisClient } from "../helpers/redis.ts";
import { uniquePrefix } from "./_helpers.ts";

const redisUrl = await resolveTestRedis();
const LOCKING_SCRIPT = "#!lua flags=allow-key-locking\n  return redis.call('INCR', KEYS[1])\n";

Deno.test("rewriteShebang drops the Upstash-only flag and keeps the rest of the script", () => {
  assertEquals(
    rewriteShebang(LOCKING_SCRIPT),
    "-- lua flags=allow-key-locking\n  return redis.call('INCR', KEYS[1])\n",
  );
  assertEquals(rewriteShebang("#!lua flags=no-writes,allow-key-locking\nreturn 1"), "#!lua flags=no-writes\nreturn 1");
  assertEquals(rewriteShebang("#!lua flags=no-writes\nreturn 1"), "#!lua flags=no-writes\nreturn 1");
  assertEquals(rewriteShebang("return 1"), "return 1");
});

Deno.test("sha1Hex names a script as Redis does", async () => {
  // SHA-1 of "return 1", as answered by SCRIPT LOAD.
  assertEquals(await sha1Hex("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
});

Deno.test({
  name: "RESP requester runs allow-key-locking scripts that Redis 7 refuses, by EVAL, EVALSHA and SCRIPT LOAD",
  ignore: !redisUrl,
  async fn() {
    await withRedisClient(redisUrl!, async (client) => {
      const key = `${uniquePrefix()}:counter`;
      // The trap itself: this Redis refuses the flag.
      assertMatch(
        (await assertRejects(() => client.sendCommand(["EVAL", LOCKING_SCRIPT, "1", key]))).message,
        /Unexpected flag in script shebang/,
      );
      const redis = new Redis(createRespRequester(client));
      const sha = await sha1Hex(LOCKING_SCRIPT);
      assertMatch((await assertRejects(() => redis.evalsha(sha, [key], []))).message, /NOSCRIPT/);
      assertEquals(await redis.eval(LOCKING_SCRIPT, [key], []), 1);
      // The digest of the original script now reaches the rewritten one.
      assertEquals(await redis.evalsha(sha, [key], []), 2);
      assertEquals(await redis.scriptLoad(LOCKING_SCRIPT), sha);
      assertEquals(await redis.scriptExists(sha), [1]);
      await client.sendCommand(["PEXPIRE", key, "1000"]);
    });
  },
});
