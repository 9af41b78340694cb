/**
 * Without Redis the token check reads PostgreSQL. Counted at the driver: every statement
 * the app sends goes through the counting plugin, whatever built it.
 */
import type { KyselyPlugin } from "kysely";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, postAs, statusOf } from "../helpers/http.ts";
import { getMe, MANY_REQUESTS_ENV } from "./_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { claimsOf } from "../helpers/claims.ts";

function statementCounter(): KyselyPlugin & { count: number } {
  return {
    count: 0,
    transformQuery: (args) => args.node,
    transformResult(args) {
      this.count++;
      return Promise.resolve(args.result);
    },
  };
}

Deno.test("without Redis, a token check reads the database: one statement, fused with the user read on /auth/me", async (t) => {
  const database = await createTestDatabase();
  const counter = statementCounter();
  const counted = { ...database, db: database.db.withPlugin(counter) };
  const app = await createTestApp({ env: MANY_REQUESTS_ENV, database: counted, withoutRedis: true });
  try {
    const user = await insertedUser(database.db, "fused");
    const pair = await newSession(app, user);

    await t.step("GET /auth/me: the revocation check and the user read are one statement", async () => {
      counter.count = 0;
      const response = await getMe(app, pair.access_token);
      assertEquals(response.status, 200);
      assertEquals((await response.json()).id, user.id);
      assertEquals(counter.count, 1);
    });

    await t.step("GET /auth/sessions: one check, then the route's own read", async () => {
      counter.count = 0;
      assertEquals(await statusOf(app.request("/auth/sessions", bearer(pair.access_token))), 200);
      assertEquals(counter.count, 2);
    });

    await t.step("a revoked token is refused by the same single statement", async () => {
      assertEquals(await statusOf(postAs(app, "/auth/logout", pair.access_token)), 204);
      counter.count = 0;
      assertEquals(await statusOf(getMe(app, pair.access_token)), 401);
      assertEquals(counter.count, 1);
    });

    await t.step("a user deleted since the token was issued is a 401", async () => {
      const gone = await newSession(app, await insertedUser(database.db, "deleted"));
      const sub = claimsOf(gone.access_token).sub;
      await database.db.deleteFrom("users").where("id", "=", sub).execute();
      assertEquals(await statusOf(getMe(app, gone.access_token)), 401);
    });
  } finally {
    await app.close();
    await database.close();
  }
});
