import { ManualClock } from "../../src/clock.ts";
import { createTestApp } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createUser, getMe, MANY_REQUESTS_ENV, post, refresh, signIn, statusOf } from "./helpers.ts";

const GRACE_MS = 10_000;

function sidOf(token: string): string {
  return JSON.parse(atob(token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/"))).sid;
}

Deno.test("refresh reuse grace (REFRESH_REUSE_GRACE_SECONDS=10)", async (t) => {
  const clock = new ManualClock(new Date("2026-11-29T09:00:00Z"));
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, clock });
  const { db } = testApp.database;
  const sealedOf = async (sessionId: string) =>
    (await db.selectFrom("refresh_tokens").select(["id", "successor_sealed"]).where("session_id", "=", sessionId)
      .where("successor_sealed", "is not", null).execute()).map((row) => row.successor_sealed!);
  try {
    await t.step("two parallel refreshes with one token: both 200 with the same pair, the session lives", async () => {
      const user = await createUser(db, "two-tabs");
      const pair = await signIn(testApp, user);
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
      const session = await db.selectFrom("sessions").select("revoked_at").where("id", "=", sidOf(pair.refresh_token))
        .executeTakeFirstOrThrow();
      assertEquals(session.revoked_at, null);
    });

    await t.step(
      "the pair is sealed on the consumed row, never in clear, and erased once the window is over",
      async () => {
        const user = await createUser(db, "sealed");
        const pair = await signIn(testApp, user);
        const sessionId = sidOf(pair.refresh_token);
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
      const user = await createUser(db, "late");
      const pair = await signIn(testApp, user);
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
        sidOf(pair.refresh_token),
      )
        .executeTakeFirstOrThrow();
      assertEquals(session.revoked_reason, "refresh_token_reused");
      const events = await db.selectFrom("security_events").select("type").where("user_id", "=", user.id)
        .where("type", "=", "refresh_token_reused").execute();
      assertEquals(events.length, 1);
      assertEquals(await sealedOf(sidOf(pair.refresh_token)), [], "an ended session keeps no sealed pair");
    });

    await t.step("within the window, a session ended meanwhile gets no pair", async () => {
      const user = await createUser(db, "ended");
      const pair = await signIn(testApp, user);
      const successor = await (await refresh(testApp, pair.refresh_token)).json();
      assertEquals(await statusOf(post(testApp, "/auth/logout", successor.access_token)), 204);
      assertEquals(await statusOf(refresh(testApp, pair.refresh_token)), 401);
    });
  } finally {
    await testApp.close();
  }
});

Deno.test("refresh reuse grace off (REFRESH_REUSE_GRACE_SECONDS=0): the second of two parallel refreshes is reuse", async () => {
  const testApp = await createTestApp({ env: { ...MANY_REQUESTS_ENV, REFRESH_REUSE_GRACE_SECONDS: "0" } });
  try {
    const user = await createUser(testApp.database.db, "no-grace");
    const pair = await signIn(testApp, user);
    const statuses = await Promise.all([refresh(testApp, pair.refresh_token), refresh(testApp, pair.refresh_token)]
      .map((response) => statusOf(response)));
    assertEquals(statuses.sort(), [200, 401]);
    const session = await testApp.database.db.selectFrom("sessions").select("revoked_reason")
      .where("id", "=", sidOf(pair.refresh_token)).executeTakeFirstOrThrow();
    assertEquals(session.revoked_reason, "refresh_token_reused");
  } finally {
    await testApp.close();
  }
});
