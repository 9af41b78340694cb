/**
 * Rotating the HS256 secrets: two instances restarted with JWT_SECRET / JWT_REFRESH_SECRET
 * rotated (the old ones as *_PREVIOUS) sign nobody out; once the previous secrets are
 * removed, tokens they signed get 401.
 */
import { ManualClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logger.ts";
import { keyFingerprint } from "../../src/services/secrets.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "../sessions/_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import type { TokenPair } from "../../src/services/identity.ts";
import { headerOf } from "../helpers/claims.ts";

const OLD = {
  JWT_SECRET: "rotation-access-secret-old-0123456789abcdef",
  JWT_REFRESH_SECRET: "rotation-refresh-secret-old-0123456789abcdef",
  HMAC_SECRET: "rotation-hmac-secret-0123456789abcdef012345",
};
const ROTATED = {
  JWT_SECRET: "rotation-access-secret-new-0123456789abcdef",
  JWT_SECRET_PREVIOUS: OLD.JWT_SECRET,
  JWT_REFRESH_SECRET: "rotation-refresh-secret-new-0123456789abcdef",
  JWT_REFRESH_SECRET_PREVIOUS: OLD.JWT_REFRESH_SECRET,
  HMAC_SECRET: OLD.HMAC_SECRET,
};
const WITHOUT_PREVIOUS = {
  JWT_SECRET: ROTATED.JWT_SECRET,
  JWT_REFRESH_SECRET: ROTATED.JWT_REFRESH_SECRET,
  HMAC_SECRET: OLD.HMAC_SECRET,
};

Deno.test("HS256 rotation across a restart of two instances", async (t) => {
  const database = await createTestDatabase();
  const testCache = createTestCache(createLogger({ level: "error" }));
  const clock = new ManualClock(new Date("2026-11-29T09:00:00Z"));
  let instances: TestApp[] = [];
  /** Stops the running instances (if any) and starts two on `env`, sharing database and cache. */
  async function restart(env: Record<string, string>): Promise<[TestApp, TestApp]> {
    for (const instance of instances) await instance.close();
    const start = (cache = testCache.connect()) =>
      createTestApp({ env: { ...MANY_REQUESTS_ENV, ...env }, database, clock, revocationCache: cache });
    instances = [await start(), await start()];
    return instances as [TestApp, TestApp];
  }
  try {
    let [a, b] = await restart(OLD);
    const user = await insertedUser(database.db, "hs256-rotation");
    const kept = await newSession(a, user);
    const dropped = await newSession(b, user);
    assertEquals(headerOf(kept.access_token).kid, keyFingerprint(OLD.JWT_SECRET));
    assertEquals(headerOf(kept.refresh_token).kid, keyFingerprint(OLD.JWT_REFRESH_SECRET));
    let renewed: TokenPair | undefined;

    await t.step("after rotating both secrets, old access and refresh tokens work on both instances", async () => {
      [a, b] = await restart(ROTATED);
      clock.advance(60_000);
      for (const instance of [a, b]) {
        assertEquals(await statusOf(getMe(instance, kept.access_token)), 200);
        assertEquals(await statusOf(getMe(instance, dropped.access_token)), 200);
      }
      const response = await refresh(b, kept.refresh_token);
      assertEquals(response.status, 200);
      renewed = await response.json();
    });

    await t.step("new tokens carry the new secrets' kids and work on both instances", async () => {
      assertEquals(headerOf(renewed!.access_token).kid, keyFingerprint(ROTATED.JWT_SECRET));
      assertEquals(headerOf(renewed!.refresh_token).kid, keyFingerprint(ROTATED.JWT_REFRESH_SECRET));
      for (const instance of [a, b]) assertEquals(await statusOf(getMe(instance, renewed!.access_token)), 200);
    });

    await t.step("an old access token still expires at its exp", async () => {
      clock.advance(840_000);
      assertEquals(await statusOf(getMe(a, kept.access_token)), 401);
    });

    await t.step("after removing the previous secrets, tokens they signed get 401; the new ones work", async () => {
      const late = await newSession(a, user); // signed with the rotated secrets: unaffected
      const oldOnes = await (async () => {
        [a, b] = await restart(OLD);
        return await newSession(a, user);
      })();
      [a, b] = await restart(WITHOUT_PREVIOUS);
      for (const instance of [a, b]) {
        assertEquals(await statusOf(getMe(instance, oldOnes.access_token)), 401);
        assertEquals(await statusOf(getMe(instance, late.access_token)), 200);
      }
      assertEquals(await statusOf(refresh(b, oldOnes.refresh_token)), 401);
      assertEquals(await statusOf(refresh(a, late.refresh_token)), 200);
    });
  } finally {
    for (const instance of instances) await instance.close();
    await testCache.close();
    await database.close();
  }
});
