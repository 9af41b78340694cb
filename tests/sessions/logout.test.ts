import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { postAs, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createLogger } from "../../src/logger.ts";

/** The same token with the lowest bit of its last signature character flipped: HS256 still accepts it. */
function flipLastBit(token: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(token.at(-1)!);
  return token.slice(0, -1) + alphabet[last ^ 1];
}

Deno.test("POST /auth/logout and POST /auth/logout-all", async (t) => {
  const testCache = createTestCache(createLogger({ level: "error" }));
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, revocationCache: testCache.cache });
  const { db } = testApp.database;
  try {
    await t.step(
      "the bit-flipped variant of an access token is accepted before logout (why jti is the key)",
      async () => {
        const user = await insertedUser(db, "variant");
        const pair = await newSession(testApp, user);
        const variant = flipLastBit(pair.access_token);
        assertEquals(variant === pair.access_token, false);
        assertEquals(await statusOf(getMe(testApp, variant)), 200);
      },
    );

    await t.step("after logout the access token and its bit-flipped variant are 401; other sessions work", async () => {
      const user = await insertedUser(db, "logout");
      const phone = await newSession(testApp, user, "Phone/1.0");
      const laptop = await newSession(testApp, user, "Laptop/1.0");
      // Warm the cache with "valid" entries first: logout must override them
      assertEquals(await statusOf(getMe(testApp, phone.access_token)), 200);

      assertEquals(await statusOf(postAs(testApp, "/auth/logout", phone.access_token)), 204);
      assertEquals(await statusOf(getMe(testApp, phone.access_token)), 401);
      assertEquals(await statusOf(getMe(testApp, flipLastBit(phone.access_token))), 401);
      assertEquals(await statusOf(postAs(testApp, "/auth/logout", phone.access_token)), 401);
      assertEquals(await statusOf(getMe(testApp, laptop.access_token)), 200);

      const denied = await db.selectFrom("revoked_access_tokens").selectAll().where("user_id", "=", user.id).execute();
      assertEquals(denied.length, 1);
    });

    await t.step("a revoked access token stays 401 after the cache is flushed", async () => {
      const user = await insertedUser(db, "flushed");
      const pair = await newSession(testApp, user);
      const other = await newSession(testApp, user);
      assertEquals(await statusOf(postAs(testApp, "/auth/logout", pair.access_token)), 204);
      assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401);
      await testCache.flush();
      assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401, "Postgres answers the miss");
      assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401, "and the refilled cache too");
      assertEquals(await statusOf(getMe(testApp, other.access_token)), 200);
    });

    await t.step(
      "logout-all with three sessions kills every access and refresh token; a new session works",
      async () => {
        const user = await insertedUser(db, "everywhere");
        const pairs = [
          await newSession(testApp, user, "Phone/1.0"),
          await newSession(testApp, user, "Laptop/1.0"),
          await newSession(testApp, user, "Tablet/1.0"),
        ];
        for (const pair of pairs) assertEquals(await statusOf(getMe(testApp, pair.access_token)), 200);

        assertEquals(await statusOf(postAs(testApp, "/auth/logout-all", pairs[1].access_token)), 204);
        for (const pair of pairs) {
          assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401);
          assertEquals(await statusOf(refresh(testApp, pair.refresh_token)), 401);
        }
        const row = await db.selectFrom("users").selectAll().where("id", "=", user.id).executeTakeFirstOrThrow();
        assertEquals(row.token_version, 1);
        const live = await db.selectFrom("sessions").select("id").where("user_id", "=", user.id)
          .where("revoked_at", "is", null).execute();
        assertEquals(live.length, 0);

        const fresh = await newSession(testApp, row);
        assertEquals(await statusOf(getMe(testApp, fresh.access_token)), 200);
        assertEquals(await statusOf(refresh(testApp, fresh.refresh_token)), 200);
      },
    );

    await t.step("logout-all is visible even to tokens whose cache entries were flushed", async () => {
      const user = await insertedUser(db, "version-flush");
      const pair = await newSession(testApp, user);
      assertEquals(await statusOf(postAs(testApp, "/auth/logout-all", pair.access_token)), 204);
      await testCache.flush();
      assertEquals(await statusOf(getMe(testApp, pair.access_token)), 401);
    });
  } finally {
    await testApp.close();
    await testCache.close();
  }
});
