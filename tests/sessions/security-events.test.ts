import { ManualClock } from "../../src/clock.ts";
import { recordSecurityEvent } from "../../src/repositories/security-events.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonBody, postAs, statusOf } from "../helpers/http.ts";
import { MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { claimsOf } from "../helpers/claims.ts";

const USER_AGENT = "Audit/1.0";

Deno.test("security events", async (t) => {
  const clock = new ManualClock(new Date("2026-11-28T09:00:00Z"));
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, clock });
  const { db } = testApp.database;
  const events = async (accessToken: string, query = "") => {
    const response = await testApp.request(`/auth/security-events${query}`, bearer(accessToken));
    assertEquals(response.status, 200);
    return await response.json() as { events: Array<Record<string, unknown>>; next_cursor: string | null };
  };
  const withAgent = (init: RequestInit): RequestInit => ({
    ...init,
    headers: { ...init.headers, "User-Agent": USER_AGENT },
  });
  try {
    await t.step("each session action records its event with ip, user agent and request id", async () => {
      const user = await insertedUser(db, "audit");
      const observer = await newSession(testApp, user);
      const requestIds: Record<string, string | null> = {};
      const act = async (type: string, response: Promise<Response>) => {
        const settled = await response;
        requestIds[type] = settled.headers.get("X-Request-ID");
        await settled.body?.cancel();
        clock.advance(1000);
      };

      const reused = await newSession(testApp, user);
      await act("rotation", refresh(testApp, reused.refresh_token));
      clock.advance(10_000); // past the reuse grace window
      await act(
        "refresh_token_reused",
        testApp.request("/auth/refresh", withAgent(jsonBody({ refresh_token: reused.refresh_token }))),
      );
      const lost = await newSession(testApp, user);
      await act(
        "session_revoked",
        testApp.request(
          `/auth/sessions/${claimsOf(lost.access_token).sid}`,
          withAgent(bearer(observer.access_token, { method: "DELETE" })),
        ),
      );
      const leaving = await newSession(testApp, user);
      await act("logout", testApp.request("/auth/logout", withAgent(bearer(leaving.access_token, { method: "POST" }))));
      const everywhere = await newSession(testApp, user);
      const beforeLogoutAll = await events(everywhere.access_token);
      await act(
        "logout_all",
        testApp.request("/auth/logout-all", withAgent(bearer(everywhere.access_token, { method: "POST" }))),
      );

      assertEquals(beforeLogoutAll.events.map((event) => event.type), [
        "logout",
        "session_revoked",
        "refresh_token_reused",
      ]);
      const rows = await db.selectFrom("security_events").selectAll().where("user_id", "=", user.id)
        .orderBy("created_at", "desc").execute();
      assertEquals(rows.map((row) => row.type), ["logout_all", "logout", "session_revoked", "refresh_token_reused"]);
      for (const row of rows) {
        assertEquals(
          [row.ip, row.user_agent, row.request_id],
          ["127.0.0.1", USER_AGENT, requestIds[row.type]],
          row.type,
        );
      }
      const fresh = await newSession(
        testApp,
        await db.selectFrom("users").selectAll().where("id", "=", user.id).executeTakeFirstOrThrow(),
      );
      const listed = await events(fresh.access_token);
      assertEquals(listed.events[0].type, "logout_all");
      assertEquals(Object.keys(listed.events[0]).sort(), [
        "created_at",
        "id",
        "ip",
        "request_id",
        "type",
        "user_agent",
      ]);
    });

    await t.step("events are paginated newest first with an opaque cursor and never repeat", async () => {
      const user = await insertedUser(db, "pages");
      const pair = await newSession(testApp, user);
      const types = ["signin_succeeded", "signin_failed", "logout", "session_revoked"] as const;
      const at = new Date("2026-11-01T00:00:00Z");
      for (let i = 0; i < 25; i++) {
        // Pairs of events share a timestamp: the cursor must break ties by id
        const when = new Date(at.getTime() + Math.floor(i / 2) * 1000);
        await recordSecurityEvent(db, {
          userId: user.id,
          type: types[i % 4],
          ip: null,
          userAgent: null,
          requestId: null,
          at: when,
        });
      }
      const seen: string[] = [];
      const createdAt: number[] = [];
      let cursor: string | null = null;
      const sizes: number[] = [];
      do {
        const page = await events(pair.access_token, `?limit=10${cursor ? `&cursor=${cursor}` : ""}`);
        sizes.push(page.events.length);
        seen.push(...page.events.map((event) => event.id as string));
        createdAt.push(...page.events.map((event) => Date.parse(event.created_at as string)));
        cursor = page.next_cursor;
        if (cursor) assert(/^[A-Za-z0-9_-]+$/.test(cursor), "the cursor is base64url");
      } while (cursor);
      assertEquals(sizes, [10, 10, 5]);
      assertEquals(new Set(seen).size, 25);
      assertEquals(createdAt, [...createdAt].sort((a, b) => b - a));
      assertEquals((await events(pair.access_token)).events.length, 20, "limit defaults to 20");
    });

    await t.step("a user sees only their own events", async () => {
      const alice = await insertedUser(db, "alice");
      const bob = await insertedUser(db, "bob");
      const bobPair = await newSession(testApp, bob);
      await recordSecurityEvent(db, {
        userId: alice.id,
        type: "signin_failed",
        ip: "203.0.113.9",
        userAgent: null,
        requestId: null,
        at: clock.now(),
      });
      assertEquals(
        await statusOf(postAs(testApp, "/auth/logout", (await newSession(testApp, alice)).access_token)),
        204,
      );
      assertEquals((await events(bobPair.access_token)).events, []);
    });

    await t.step("a cursor the service did not issue and a limit outside 1–100 are 422", async () => {
      const user = await insertedUser(db, "bad-cursor");
      const pair = await newSession(testApp, user);
      const forged = btoa(JSON.stringify(["yesterday", "x"])).replace(/=+$/, "");
      for (
        const query of [
          "?cursor=bm90LWpzb24",
          `?cursor=${forged}`,
          "?cursor=%2F%2F",
          "?limit=0",
          "?limit=101",
          "?limit=ten",
        ]
      ) {
        const response = await testApp.request(`/auth/security-events${query}`, bearer(pair.access_token));
        assertEquals(response.status, 422, query);
        assertEquals((await response.json()).code, "validation_failed", query);
      }
    });
  } finally {
    await testApp.close();
  }
});
