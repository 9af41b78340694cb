/** `deno task keys …` (src/main.ts keys, run in-process) as an operator runs it, against one database. */
import { base64 } from "../../src/encoding.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { runMainCommand } from "../helpers/cli.ts";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/env.ts";
import { deleteKeysWithPrefix } from "../helpers/redis.ts";

Deno.test("deno task keys: generate, list, first activation at once, the next refused during standby, revoke, usage", async (t) => {
  // On PGlite the commands share the working directory's .data/pglite: no database of the test's own
  const database = TEST_DATABASE_URL ? await createTestDatabase() : undefined;
  const cwd = await Deno.makeTempDir({ prefix: "jessy-keys-" });
  const env = {
    JWT_SIGNING_ALG: "ES256",
    KEY_ENCRYPTION_KEY: base64(crypto.getRandomValues(new Uint8Array(32))),
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
    // With Redis, revoke also checks that the shared revocation cache took it
    ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
  };
  const keys = (...args: string[]) => runMainCommand(["keys", ...args], env, { directory: cwd });
  let kid = "";
  try {
    await t.step("generate makes a standby key of JWT_SIGNING_ALG and says when it can sign", async () => {
      const generated = await keys("generate");
      assertEquals(generated.code, 0, generated.err);
      assertMatch(generated.out, /^[A-Za-z0-9_-]{43} {2}ES256 {2}standby .*activatable from \d{4}-/);
      kid = generated.out.split(" ")[0];
      const listed = await keys("list");
      assertEquals(listed.code, 0, listed.err);
      assert(listed.out.startsWith(`${kid}  ES256  standby`), listed.out);
    });

    await t.step("on a database no token was signed for, activate makes the first key current at once", async () => {
      const activated = await keys("activate", kid);
      assertEquals(activated.code, 0, activated.err);
      assert(activated.out.startsWith(`${kid}  ES256  current`), activated.out);
    });

    await t.step("activate is refused until the next key has been published for the JWKS max-age", async () => {
      const generated = await keys("generate");
      assertEquals(generated.code, 0, generated.err);
      kid = generated.out.split(" ")[0];
      const activated = await keys("activate", kid);
      assertEquals(activated.code, 1);
      assertMatch(activated.err, /^error: .* has not been published for 310 s/);
    });

    await t.step(
      "revoke takes a standby key out of the JWKS (and, with Redis, raises it in the shared cache)",
      async () => {
        const revoked = await keys("revoke", kid);
        assertEquals(revoked.code, 0, revoked.err);
        assert(revoked.out.includes(" revoked "), revoked.out);
      },
    );

    await t.step("an unknown command prints the usage", async () => {
      const unknown = await keys("rotate");
      assertEquals(unknown.code, 2);
      assert(unknown.err.startsWith("usage: deno task keys"), unknown.err);
    });
  } finally {
    if (TEST_REDIS_URL && kid) await deleteKeysWithPrefix(TEST_REDIS_URL, `jessy:revocation:kid:${kid}`);
    await Deno.remove(cwd, { recursive: true }).catch(() => {});
    await database?.close();
  }
});
