/**
 * A key taken out of service takes its tokens with it at once, on every instance: also the
 * tokens an instance remembers as verified (sessions/verified-tokens.ts), with the shared
 * revocation cache (TEST_REDIS_URL) and without. Two instances on one database.
 */
import { ManualClock } from "../../src/clock.ts";
import { base64 } from "../../src/encoding.ts";
import { createLogger } from "../../src/logger.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { reissuedClaims, signAsInsider } from "./_helpers.ts";
import { getMe, MANY_REQUESTS_ENV } from "../sessions/_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

const KEY_REFRESH_MS = 10_000;

async function statusesOn(instances: TestApp[], token: string): Promise<number[]> {
  const statuses = [];
  for (const instance of instances) statuses.push(await statusOf(getMe(instance, token)));
  return statuses;
}

for (const alg of ["EdDSA", "ES256"] as const) {
  Deno.test(`${alg}: retiring or revoking a key refuses its remembered tokens on both instances`, async (t) => {
    const database = await createTestDatabase();
    const testCache = createTestCache(createLogger({ level: "error" }));
    const clock = new ManualClock(new Date("2026-11-30T09:00:00Z"));
    const env = {
      ...MANY_REQUESTS_ENV,
      JWT_SIGNING_ALG: alg,
      KEY_ENCRYPTION_KEY: base64(crypto.getRandomValues(new Uint8Array(32))),
    };
    const a = await createTestApp({ env, database, clock, revocationCache: testCache.cache });
    const b = await createTestApp({ env, database, clock, revocationCache: testCache.connect() });
    const instances = [a, b];
    try {
      await a.deps.keys.ensureSigningKey();
      const user = await insertedUser(database.db, `withdrawn-${alg}`);

      /** A standby key (published, so it verifies) and two tokens it signed for a live session. */
      const standbyKeyTokens = async (): Promise<{ kid: string; seen: string; unseen: string }> => {
        const { kid } = await a.deps.keys.generate(alg);
        clock.advance(KEY_REFRESH_MS);
        const claims = reissuedClaims((await newSession(a, user)).access_token);
        const key = { alg, kid };
        const seen = await signAsInsider(a, key, claims);
        const unseen = await signAsInsider(a, key, { ...claims, jti: crypto.randomUUID() });
        // Each instance verifies `seen` once and remembers it (and, with Redis, caches it as valid)
        assertEquals(await statusesOn(instances, seen), [200, 200]);
        assertEquals(await statusesOn(instances, seen), [200, 200]);
        return { kid, seen, unseen };
      };

      await t.step("retire on A: 401 on A and B at once, remembered or new to the instance", async () => {
        const { kid, seen, unseen } = await standbyKeyTokens();
        assertEquals((await a.deps.keys.retire(kid)).state, "retired");
        assertEquals(await statusesOn(instances, seen), [401, 401]);
        // B has not re-read the keys yet: its key ring still holds the key
        assertEquals(await statusesOn([b, a], unseen), [401, 401]);
      });

      await t.step("a retired key can be revoked; its tokens stay refused", async () => {
        const { kid, seen } = await standbyKeyTokens();
        await b.deps.keys.retire(kid);
        const revoked = await b.deps.keys.revoke(kid);
        assertEquals(revoked.state, "revoked");
        assertEquals(typeof revoked.retired_at, "string", "the retirement stays on record");
        assertEquals(await statusesOn(instances, seen), [401, 401]);
      });

      await t.step("revoke on B: 401 on A and B at once", async () => {
        const { kid, seen } = await standbyKeyTokens();
        await b.deps.keys.revoke(kid);
        assertEquals(await statusesOn(instances, seen), [401, 401]);
      });

      await t.step("the current key's tokens are untouched", async () => {
        assertEquals(await statusesOn(instances, (await newSession(b, user)).access_token), [200, 200]);
      });
    } finally {
      await a.close();
      await b.close();
      await testCache.close();
      await database.close();
    }
  });
}
