import { sql } from "kysely";
import { ManualClock } from "../../src/clock.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { postAs, statusOf } from "../helpers/http.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { claimsOf } from "../helpers/claims.ts";

const GRACE_MS = 10_000;

Deno.test("refresh reuse grace (REFRESH_REUSE_GRACE_SECONDS=10)", async (t) => {
  const clock = new ManualClock(new Date("2026-11-29T09:00:00Z"));
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, clock });
  const { db } = testApp.database;
  const sealedOf = async (sessionId: string) =>
    (await db.selectFrom("refresh_successors").select("sealed").where("session_id", "=", sessionId).execute())
      .map((row) => row.sealed);
  try {
    await t.step("two parallel refreshes with one token: both 200 with the same pair, the session lives", async () => {
      const user = await insertedUser(db, "two-tabs");
      const pair = await newSession(testApp, user);
      const [first, second] = await Promise.all([
        refresh(testApp, pair.refresh_token),
        refresh(testApp, pair.refresh_token),
      ]);
      assertEquals([first.status, second.status], [200, 200]);
      const [a, b] = [await first.json(), await second.json()];
      assertEquals(a, b);
      assertEquals(await statusOf(getMe(testApp, a.access_token)), 200);
      clock.advance(1_000);
      assertEquals(await statusOf(refresh(testApp, a.refresh_token)), 200, "the shared successor rotates on");
      const session = await db.selectFrom("sessions").select("revoked_at").where(
        "id",
        "=",
        claimsOf(pair.refresh_token).sid,
      )
        .executeTakeFirstOrThrow();
      assertEquals(session.revoked_at, null);
    });

    await t.step(
      "the pair is kept sealed next to the consumed token, never in clear, and erased once the window is over",
      async () => {
        const user = await insertedUser(db, "sealed");
        const pair = await newSession(testApp, user);
        const sessionId = claimsOf(pair.refresh_token).sid;
        const next = await (await refresh(testApp, pair.refresh_token)).json();
        const [sealed] = await sealedOf(sessionId);
        assert(sealed.startsWith("v1."), sealed);
        for (const secret of [next.access_token, next.refresh_token, ...next.access_token.split(".")]) {
          assert(!sealed.includes(secret), "a token part is readable in the sealed pair");
        }
        clock.advance(GRACE_MS);
        await (await refresh(testApp, next.refresh_token)).body?.cancel();
        assertEquals((await sealedOf(sessionId)).length, 1, "only the newest exchange keeps its pair");
      },
    );

    await t.step("a third presentation after the window revokes the session and records the reuse", async () => {
      const user = await insertedUser(db, "late");
      const pair = await newSession(testApp, user);
      const [first, second] = await Promise.all([
        refresh(testApp, pair.refresh_token),
        refresh(testApp, pair.refresh_token),
      ]);
      const successor = await first.json();
      await second.body?.cancel();
      clock.advance(GRACE_MS);
      const third = await refresh(testApp, pair.refresh_token);
      assertEquals(third.status, 401);
      assertEquals((await third.json()).code, "invalid_token");
      assertEquals(await statusOf(getMe(testApp, successor.access_token)), 401, "the session's tokens died");
      assertEquals(await statusOf(refresh(testApp, successor.refresh_token)), 401);
      const session = await db.selectFrom("sessions").select("revoked_reason").where(
        "id",
        "=",
        claimsOf(pair.refresh_token).sid,
      )
        .executeTakeFirstOrThrow();
      assertEquals(session.revoked_reason, "refresh_token_reused");
      const events = await db.selectFrom("security_events").select("type").where("user_id", "=", user.id)
        .where("type", "=", "refresh_token_reused").execute();
      assertEquals(events.length, 1);
      assertEquals(await sealedOf(claimsOf(pair.refresh_token).sid), [], "an ended session keeps no sealed pair");
    });

    await t.step("a pair a previous version kept on the token row still serves its window", async () => {
      const user = await insertedUser(db, "rolling");
      const pair = await newSession(testApp, user);
      const sessionId = claimsOf(pair.refresh_token).sid;
      const next = await (await refresh(testApp, pair.refresh_token)).json();
      // As an instance of the version before 2026_11_29_0012 would have kept it
      const [sealed] = await sealedOf(sessionId);
      await db.deleteFrom("refresh_successors").where("session_id", "=", sessionId).execute();
      await db.updateTable("refresh_tokens").set({ successor_sealed: sealed }).where("session_id", "=", sessionId)
        .where("consumed_at", "is not", null).execute();
      const again = await refresh(testApp, pair.refresh_token);
      assertEquals(again.status, 200);
      assertEquals(await again.json(), next);
      assertEquals(await statusOf(postAs(testApp, "/auth/logout", next.access_token)), 204);
      const left = await db.selectFrom("refresh_tokens").select("id").where("session_id", "=", sessionId)
        .where("successor_sealed", "is not", null).execute();
      assertEquals(left, [], "an ended session keeps no sealed pair there either");
    });

    await t.step("within the window, a session ended meanwhile gets no pair", async () => {
      const user = await insertedUser(db, "ended");
      const pair = await newSession(testApp, user);
      const successor = await (await refresh(testApp, pair.refresh_token)).json();
      assertEquals(await statusOf(postAs(testApp, "/auth/logout", successor.access_token)), 204);
      assertEquals(await statusOf(refresh(testApp, pair.refresh_token)), 401);
    });
  } finally {
    await testApp.close();
  }
});

Deno.test("refresh reuse grace off (REFRESH_REUSE_GRACE_SECONDS=0): the second of two parallel refreshes is reuse", async () => {
  const testApp = await createTestApp({ env: { ...MANY_REQUESTS_ENV, REFRESH_REUSE_GRACE_SECONDS: "0" } });
  try {
    const user = await insertedUser(testApp.database.db, "no-grace");
    const pair = await newSession(testApp, user);
    const statuses = await Promise.all([refresh(testApp, pair.refresh_token), refresh(testApp, pair.refresh_token)]
      .map((response) => statusOf(response)));
    assertEquals(statuses.sort(), [200, 401]);
    const session = await testApp.database.db.selectFrom("sessions").select("revoked_reason")
      .where("id", "=", claimsOf(pair.refresh_token).sid).executeTakeFirstOrThrow();
    assertEquals(session.revoked_reason, "refresh_token_reused");
  } finally {
    await testApp.close();
  }
});

Deno.test("a refresh writes no column an index of refresh_tokens reads, so PostgreSQL can update the row in place", async () => {
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV });
  try {
    // The columns the refresh statements set on refresh_tokens (consumeRefreshToken, storeSuccessor,
    // markSharedByGrace), and the one versions before 2026_11_29_0012 set on every refresh
    const written = ["consumed_at", "replaced_by", "shared_by_grace", "successor_sealed"];
    const { rows } = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where tablename = 'refresh_tokens' and schemaname = current_schema()`
      .execute(testApp.database.db);
    assert(rows.length > 0, "refresh_tokens has indexes");
    for (const { indexdef } of rows) {
      for (const column of written) assert(!indexdef.includes(column), `${indexdef} reads ${column}`);
    }
  } finally {
    await testApp.close();
  }
});
