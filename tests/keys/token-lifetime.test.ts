/**
 * An access token may live ACCESS_TOKEN_TTL_SECONDS at most (`exp - iat`) and may not be
 * issued ahead of this instance's clock by more than the tolerated skew (60 s), whoever holds
 * a key that signs it. Each algorithm's tokens are signed with the app's own key material.
 */
import { ManualClock } from "../../src/clock.ts";
import { base64 } from "../../src/encoding.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { statusOf } from "../helpers/http.ts";
import { keyOf, reissuedClaims, signAsInsider } from "./_helpers.ts";
import { getMe, MANY_REQUESTS_ENV } from "../sessions/_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

const TTL = 900;
const SKEW = 60;
const YEAR = 365 * 86_400;

Deno.test("GET /auth/me refuses access tokens longer-lived than ACCESS_TOKEN_TTL_SECONDS or issued ahead", async (t) => {
  const database = await createTestDatabase();
  const clock = new ManualClock(new Date("2026-11-30T09:00:00Z"));
  const keyEncryptionKey = base64(crypto.getRandomValues(new Uint8Array(32)));
  try {
    for (const alg of ["HS256", "EdDSA", "ES256"] as const) {
      await t.step(`${alg}, signed with the app's own key`, async () => {
        const env = {
          ...MANY_REQUESTS_ENV,
          ACCESS_TOKEN_TTL_SECONDS: String(TTL),
          JWT_SIGNING_ALG: alg,
          KEY_ENCRYPTION_KEY: keyEncryptionKey,
        };
        const testApp = await createTestApp({ env, clock, database });
        try {
          await testApp.deps.keys.ensureSigningKey();
          const user = await insertedUser(database.db, `lifetime-${alg}`);
          const issued = (await newSession(testApp, user)).access_token;
          const key = keyOf(issued);
          assertEquals(key.alg, alg);
          const now = Math.floor(clock.now().getTime() / 1000);
          const statusWith = async (iat: number, exp: number) =>
            await statusOf(getMe(testApp, await signAsInsider(testApp, key, { ...reissuedClaims(issued), iat, exp })));

          const refused: Array<[string, number, number]> = [
            ["exp ten years ahead", now, now + 10 * YEAR],
            ["iat a day ahead, exp ten years ahead", now + 86_400, now + 10 * YEAR],
            ["iat a day ahead, a normal lifetime from there", now + 86_400, now + 86_400 + TTL],
            ["one second longer than the lifetime", now, now + TTL + 1],
            ["iat one second beyond the skew", now + SKEW + 1, now + SKEW + 1 + TTL],
          ];
          for (const [label, iat, exp] of refused) assertEquals(await statusWith(iat, exp), 401, label);

          const accepted: Array<[string, number, number]> = [
            ["exactly the lifetime", now, now + TTL],
            ["iat at the edge of the skew", now + SKEW, now + SKEW + TTL],
            ["issued earlier, not expired yet", now - 100, now - 100 + TTL],
          ];
          for (const [label, iat, exp] of accepted) assertEquals(await statusWith(iat, exp), 200, label);
          assertEquals(await statusOf(getMe(testApp, issued)), 200, "the service's own token");
        } finally {
          await testApp.close();
        }
      });
    }
  } finally {
    await database.close();
  }
});
