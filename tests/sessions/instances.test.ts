import { createLogger } from "../../src/logger.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { postAs, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { claimsOf } from "../helpers/claims.ts";

Deno.test("two instances on one database and one cache", async (t) => {
  const database = await createTestDatabase();
  const testCache = createTestCache(createLogger({ level: "error" }));
  const a = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: testCache.cache });
  const b = await createTestApp({ env: MANY_REQUESTS_ENV, database, revocationCache: testCache.connect() });
  try {
    await t.step("logout on instance A makes the token 401 on instance B at once", async () => {
      const user = await insertedUser(database.db, "two-instances");
      const pair = await newSession(a, user);
      const other = await newSession(a, user);
      // B has seen (and cached) the token as valid before the logout
      assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
      assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
      assertEquals(await statusOf(postAs(a, "/auth/logout", pair.access_token)), 204);
      assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
      assertEquals(await statusOf(getMe(b, other.access_token)), 200);
    });

    await t.step("logout-all on instance B makes every token 401 on instance A at once", async () => {
      const user = await insertedUser(database.db, "two-instances-all");
      const pairs = [await newSession(a, user), await newSession(b, user)];
      for (const pair of pairs) assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
      assertEquals(await statusOf(postAs(b, "/auth/logout-all", pairs[1].access_token)), 204);
      for (const pair of pairs) {
        assertEquals(await statusOf(getMe(a, pair.access_token)), 401);
        assertEquals(await statusOf(refresh(a, pair.refresh_token)), 401);
      }
    });

    await t.step("a session revoked on A is 401 on B", async () => {
      const user = await insertedUser(database.db, "two-instances-revoke");
      const keeper = await newSession(a, user);
      const lost = await newSession(a, user);
      assertEquals(await statusOf(getMe(b, lost.access_token)), 200);
      const sid = claimsOf(lost.access_token).sid;
      const response = await a.request(`/auth/sessions/${sid}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${keeper.access_token}` },
      });
      assertEquals(await statusOf(response), 204);
      assertEquals(await statusOf(getMe(b, lost.access_token)), 401);
    });
  } finally {
    await a.close();
    await b.close();
    await testCache.close();
    await database.close();
  }
});
