import { ManualClock } from "../../src/clock.ts";
import { recordSecurityEvent } from "../../src/repositories/security-events.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer } from "../helpers/http.ts";
import { MANY_REQUESTS_ENV } from "./_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { claimsOf } from "../helpers/claims.ts";

type Page = { sessions: Array<Record<string, unknown>>; next_cursor: string | null };

Deno.test("GET /auth/sessions pages", async (t) => {
  const clock = new ManualClock(new Date("2026-11-28T09:00:00Z"));
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, clock });
  const { db } = testApp.database;
  const page = async (accessToken: string, query = "") => {
    const response = await testApp.request(`/auth/sessions${query}`, bearer(accessToken));
    assertEquals(response.status, 200, query);
    return await response.json() as Page;
  };
  try {
    await t.step("keyset pages walk every live session once, newest sign-in first, ties broken by id", async () => {
      const user = await insertedUser(db, "many");
      const ids: string[] = [];
      for (let i = 0; i < 11; i++) {
        // Pairs of sessions start in the same millisecond: the cursor must break ties by id
        if (i % 2 === 0) clock.advance(1000);
        const pair = await newSession(testApp, user, `Device/${i}`);
        ids.push(claimsOf(pair.access_token).sid);
      }
      clock.advance(1000);
      const current = (await newSession(testApp, user, "Current/1.0")).access_token;
      const revoked = ids[4];
      await db.updateTable("sessions").set({ revoked_at: clock.now() }).where("id", "=", revoked).execute();

      const seen: Array<Record<string, unknown>> = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const body: Page = await page(current, `?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
        assertEquals(Object.keys(body).sort(), ["next_cursor", "sessions"]);
        sizes.push(body.sessions.length);
        seen.push(...body.sessions);
        cursor = body.next_cursor;
        if (cursor) assert(/^[A-Za-z0-9_-]+$/.test(cursor), "the cursor is base64url");
      } while (cursor);
      assertEquals(sizes, [4, 4, 3], "12 sessions less the revoked one");
      const seenIds = seen.map((session) => session.id as string);
      assertEquals(new Set(seenIds).size, 11, "no session twice");
      assert(!seenIds.includes(revoked), "a revoked session is not listed");
      assertEquals(seen[0].user_agent, "Current/1.0");
      assertEquals(seen[0].current, true);
      const order = seen.map((session) => [Date.parse(session.created_at as string), session.id as string] as const);
      const sorted = [...order].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
      assertEquals(order, sorted, "created_at desc, then id desc");
    });

    await t.step("times are RFC 3339 in UTC with milliseconds, as stored", async () => {
      const user = await insertedUser(db, "times");
      const pair = await newSession(testApp, user);
      const sid = claimsOf(pair.access_token).sid;
      const created = new Date("2026-01-02T03:04:05.007Z");
      const used = new Date("2026-11-28T23:59:59.090Z");
      await db.updateTable("sessions").set({ created_at: created, last_used_at: used }).where("id", "=", sid).execute();
      const [session] = (await page(pair.access_token)).sessions;
      assertEquals([session.created_at, session.last_used_at], [created.toISOString(), used.toISOString()]);
    });

    await t.step("limit defaults to 50 and the whole list fits one page below it", async () => {
      const user = await insertedUser(db, "few");
      const pairs = [];
      for (let i = 0; i < 3; i++) pairs.push(await newSession(testApp, user));
      const body = await page(pairs[0].access_token);
      assertEquals([body.sessions.length, body.next_cursor], [3, null]);

      const crowd = await insertedUser(db, "crowd");
      const now = clock.now();
      await db.insertInto("sessions").values(
        Array.from({ length: 60 }, (_, i) => ({
          id: crypto.randomUUID(),
          user_id: crowd.id,
          created_at: new Date(now.getTime() - (i + 1) * 1000),
          last_used_at: now,
          expires_at: new Date(now.getTime() + 86_400_000),
        })),
      ).execute();
      const first = await page((await newSession(testApp, crowd)).access_token);
      assertEquals(first.sessions.length, 50);
      assert(first.next_cursor !== null);
    });

    await t.step(
      "a forged, altered, another user's or an events cursor and a limit outside 1–100 are 422",
      async () => {
        const alice = await insertedUser(db, "alice");
        const bob = await insertedUser(db, "bob");
        const alicePairs = [await newSession(testApp, alice), await newSession(testApp, alice)];
        const bobToken = (await newSession(testApp, bob)).access_token;
        const aliceCursor = (await page(alicePairs[0].access_token, "?limit=1")).next_cursor!;
        for (let i = 0; i < 2; i++) {
          await recordSecurityEvent(db, {
            userId: alice.id,
            type: "signin_succeeded",
            ip: null,
            userAgent: null,
            requestId: null,
            at: clock.now(),
          });
        }
        const eventsResponse = await testApp.request(
          "/auth/security-events?limit=1",
          bearer(alicePairs[0].access_token),
        );
        const eventsCursor = (await eventsResponse.json()).next_cursor as string;
        const [createdAt, id] = JSON.parse(atob(aliceCursor.replaceAll("-", "+").replaceAll("_", "/")));
        const altered = btoa(JSON.stringify([createdAt, id, "0".repeat(64)])).replace(/=+$/, "");
        const forged = btoa(JSON.stringify(["yesterday", "x"])).replace(/=+$/, "");
        const cases: Array<[string, string]> = [
          [bobToken, `?cursor=${aliceCursor}`],
          [alicePairs[0].access_token, `?cursor=${eventsCursor}`],
          [alicePairs[0].access_token, `?cursor=${altered}`],
          [alicePairs[0].access_token, `?cursor=${forged}`],
          [alicePairs[0].access_token, "?cursor=bm90LWpzb24"],
          [alicePairs[0].access_token, "?cursor=%2F%2F"],
          [alicePairs[0].access_token, "?limit=0"],
          [alicePairs[0].access_token, "?limit=101"],
          [alicePairs[0].access_token, "?limit=ten"],
        ];
        for (const [token, query] of cases) {
          const response = await testApp.request(`/auth/sessions${query}`, bearer(token));
          assertEquals(response.status, 422, query);
          assertEquals((await response.json()).code, "validation_failed", query);
        }
        assertEquals((await page(alicePairs[0].access_token, `?cursor=${aliceCursor}`)).sessions.length, 1);
      },
    );
  } finally {
    await testApp.close();
  }
});
