import { ManualClock } from "../../src/clock.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, postAs, statusOf } from "../helpers/http.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assert, assertEquals, assertNotEquals } from "../helpers/assert.ts";
import { hashToken } from "../../src/services/sessions/tokens.ts";
import { claimsOf } from "../helpers/claims.ts";

const DAY_MS = 86_400_000;

Deno.test("refresh-token rotation", async (t) => {
  const clock = new ManualClock(new Date("2026-11-28T09:00:00Z"));
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, clock });
  const { db } = testApp.database;
  try {
    await t.step("POST /auth/refresh returns a new pair and consumes the presented refresh token", async () => {
      const user = await insertedUser(db, "rotate");
      const first = await newSession(testApp, user);
      clock.advance(60_000);
      const response = await refresh(testApp, first.refresh_token, "Rotator/2.0");
      assertEquals(response.status, 200);
      const second = await response.json();
      assertEquals(second.token_type, "Bearer");
      assertEquals(second.expires_in, 900);
      assertNotEquals(second.refresh_token, first.refresh_token);
      assertNotEquals(second.access_token, first.access_token);
      assertEquals(claimsOf(second.refresh_token).sid, claimsOf(first.refresh_token).sid);

      const old = await db.selectFrom("refresh_tokens").selectAll()
        .where("id", "=", claimsOf(first.refresh_token).jti).executeTakeFirstOrThrow();
      assertEquals(old.consumed_at?.toISOString(), clock.now().toISOString());
      assertEquals(old.replaced_by, claimsOf(second.refresh_token).jti);
      assertEquals(old.token_hash, hashToken(first.refresh_token));
      const stored = await db.selectFrom("refresh_tokens").select("token_hash").where("user_id", "=", user.id)
        .execute();
      assert(stored.every((row) => !row.token_hash.includes(".")), "only hashes are stored");

      const session = await db.selectFrom("sessions").selectAll()
        .where("id", "=", claimsOf(first.refresh_token).sid).executeTakeFirstOrThrow();
      assertEquals(session.use_count, 1);
      assertEquals(session.last_used_at.toISOString(), clock.now().toISOString());
      assertEquals([session.ip, session.user_agent], ["127.0.0.1", "Rotator/2.0"]);

      assertEquals(await statusOf(getMe(testApp, second.access_token)), 200);
      assertEquals(await statusOf(refresh(testApp, second.refresh_token)), 200);
    });

    await t.step("an expired refresh token is 401", async () => {
      const user = await insertedUser(db, "expired");
      const pair = await newSession(testApp, user);
      clock.advance(30 * DAY_MS + 1000);
      assertEquals(await statusOf(refresh(testApp, pair.refresh_token)), 401);
    });

    await t.step(
      "refreshes never extend a session past SESSION_MAX_LIFETIME_SECONDS (90 days) from sign-in",
      async () => {
        const user = await insertedUser(db, "lifetime");
        const signedInAt = clock.now().getTime();
        let pair = await newSession(testApp, user);
        // Refreshed well within REFRESH_TOKEN_TTL_SECONDS (30 days) every time
        for (const day of [29, 58, 87, 89]) {
          clock.advance(signedInAt + day * DAY_MS - clock.now().getTime());
          const response = await refresh(testApp, pair.refresh_token);
          assertEquals(response.status, 200, `day ${day}`);
          pair = await response.json();
        }
        const session = await db.selectFrom("sessions").select("expires_at")
          .where("id", "=", claimsOf(pair.refresh_token).sid).executeTakeFirstOrThrow();
        assertEquals(
          session.expires_at.getTime(),
          signedInAt + 90 * DAY_MS,
          "the session ends at 90 days, not day 119",
        );
        clock.advance(signedInAt + 90 * DAY_MS + 1000 - clock.now().getTime());
        assertEquals(await statusOf(refresh(testApp, pair.refresh_token)), 401);
      },
    );

    await t.step("a refresh token is 401 after logout, after logout-all and after a password reset", async () => {
      const user = await insertedUser(db, "ended");
      const loggedOut = await newSession(testApp, user);
      assertEquals(await statusOf(postAs(testApp, "/auth/logout", loggedOut.access_token)), 204);
      assertEquals(await statusOf(refresh(testApp, loggedOut.refresh_token)), 401);

      const everywhere = await newSession(testApp, user);
      assertEquals(await statusOf(postAs(testApp, "/auth/logout-all", everywhere.access_token)), 204);
      assertEquals(await statusOf(refresh(testApp, everywhere.refresh_token)), 401);

      const fresh = await db.selectFrom("users").selectAll().where("id", "=", user.id).executeTakeFirstOrThrow();
      const beforeReset = await newSession(testApp, fresh);
      const announce = await db.transaction().execute((trx) =>
        testApp.deps.sessions.revokeAllSessions(user.id, "password_reset", trx)
      );
      await announce();
      assertEquals(await statusOf(refresh(testApp, beforeReset.refresh_token)), 401);
      assertEquals(await statusOf(getMe(testApp, beforeReset.access_token)), 401);
      // Neither ended session counts as reuse
      const reused = await db.selectFrom("security_events").select("id").where("user_id", "=", user.id)
        .where("type", "=", "refresh_token_reused").execute();
      assertEquals(reused.length, 0);
    });

    await t.step("an access token on /auth/refresh and a refresh token as bearer are both 401", async () => {
      const user = await insertedUser(db, "crossed");
      const pair = await newSession(testApp, user);
      assertEquals(await statusOf(refresh(testApp, pair.access_token)), 401);
      assertEquals(await statusOf(testApp.request("/auth/me", bearer(pair.refresh_token))), 401);
      // Neither mistake spent the refresh token
      assertEquals(await statusOf(refresh(testApp, pair.refresh_token)), 200);
    });

    await t.step("replaying a rotated refresh token revokes its session and only its session", async () => {
      const user = await insertedUser(db, "reuse");
      const phone = await newSession(testApp, user, "Phone/1.0");
      const laptop = await newSession(testApp, user, "Laptop/1.0");
      const rt1 = await (await refresh(testApp, phone.refresh_token)).json();
      const rt2 = await (await refresh(testApp, rt1.refresh_token)).json();
      assertEquals(await statusOf(getMe(testApp, rt2.access_token)), 200);

      clock.advance(10_000); // past the reuse grace window (REFRESH_REUSE_GRACE_SECONDS, 10 by default)
      const replay = await refresh(testApp, phone.refresh_token);
      assertEquals(replay.status, 401);
      assertEquals((await replay.json()).code, "invalid_token");
      assertEquals(await statusOf(refresh(testApp, rt2.refresh_token)), 401, "the newest refresh token died too");
      assertEquals(await statusOf(getMe(testApp, rt2.access_token)), 401, "access tokens of the session died");
      assertEquals(await statusOf(getMe(testApp, phone.access_token)), 401);

      assertEquals(await statusOf(getMe(testApp, laptop.access_token)), 200, "the other device still works");
      assertEquals(await statusOf(refresh(testApp, laptop.refresh_token)), 200);

      const events = await db.selectFrom("security_events").selectAll().where("user_id", "=", user.id)
        .where("type", "=", "refresh_token_reused").execute();
      assertEquals(events.length, 1);
      assertEquals(events[0].ip, "127.0.0.1");
      const session = await db.selectFrom("sessions").selectAll()
        .where("id", "=", claimsOf(phone.refresh_token).sid).executeTakeFirstOrThrow();
      assertEquals(session.revoked_reason, "refresh_token_reused");
    });

    await t.step(
      "of 20 concurrent refreshes with one token one rotates and all get its pair (reuse grace)",
      async () => {
        const user = await insertedUser(db, "race");
        const pair = await newSession(testApp, user);
        const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(testApp, pair.refresh_token)));
        assertEquals(responses.map((response) => response.status), Array(20).fill(200));
        const bodies = await Promise.all(responses.map((response) => response.json()));
        assertEquals(new Set(bodies.map((body) => body.refresh_token)).size, 1);
        const rows = await db.selectFrom("refresh_tokens").select("id")
          .where("session_id", "=", claimsOf(pair.refresh_token).sid).execute();
        assertEquals(rows.length, 2, "one rotation: the first token and its one successor");
      },
    );
  } finally {
    await testApp.close();
  }
});
