import { sql } from "kysely";
import { assert, assertEquals } from "../helpers/assert.ts";
import { insertedUser, newSession, PASSWORD } from "../helpers/accounts.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { bearer, jsonBody, jsonOf, statusOf } from "../helpers/http.ts";
import { claimsOf } from "../helpers/claims.ts";
import { ADMIN_TEST_ENV, adminKey } from "../admin/_helpers.ts";
import { signInMethod } from "../../src/services/sessions/session-view.ts";
import { createLogger } from "../../src/logger.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { webhooksApp } from "../webhooks/_helpers.ts";

const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 " +
  "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) " +
  "Chrome/131.0.0.0 Mobile Safari/537.36";

// deno-lint-ignore no-explicit-any -- sessions are read field by field
type Listed = Record<string, any>;

async function listSessions(app: TestApp, accessToken: string): Promise<Listed[]> {
  const { status, body } = await jsonOf(app.request("/auth/sessions", bearer(accessToken)));
  assertEquals(status, 200);
  return body.sessions;
}

async function signInFrom(app: TestApp, email: string, userAgent: string, deviceToken?: string) {
  const body = { email, password: PASSWORD, ...(deviceToken ? { device_token: deviceToken } : {}) };
  const { status, body: answer } = await jsonOf(
    app.request("/auth/signin", jsonBody(body, { "User-Agent": userAgent })),
  );
  assertEquals(status, 200);
  return answer as { access_token: string; refresh_token: string; device_token: string };
}

function rename(app: TestApp, accessToken: string, id: string, name: unknown) {
  return app.request(`/auth/sessions/${id}`, bearer(accessToken, { ...jsonBody({ name }), method: "PATCH" }));
}

function endOthers(app: TestApp, accessToken: string, query = "?except=current") {
  return app.request(`/auth/sessions${query}`, bearer(accessToken, { method: "DELETE" }));
}

function getMe(app: TestApp, accessToken: string) {
  return app.request("/auth/me", bearer(accessToken));
}

function refresh(app: TestApp, refreshToken: string) {
  return app.request("/auth/refresh", jsonBody({ refresh_token: refreshToken }));
}

Deno.test("sessions say which device", async (t) => {
  const app = await createTestApp({ env: ADMIN_TEST_ENV });
  const { db } = app.database;
  const verifiedUser = (label: string) => insertedUser(db, label, { passwords: app.deps.passwords, verified: true });
  try {
    await t.step("GET /auth/sessions shows the device parsed at sign-in, the method, aal and current", async () => {
      const user = await verifiedUser("device");
      const pair = await signInFrom(app, user.email, FIREFOX_WINDOWS);
      const [session] = await listSessions(app, pair.access_token);
      assertEquals(session.device, { browser: "Firefox", os: "Windows", type: "desktop", label: "Firefox on Windows" });
      assertEquals([session.method, session.aal, session.amr, session.current], ["password", 1, ["pwd"], true]);
      assertEquals([session.name, session.known_device], [null, false]);
    });

    await t.step("POST /auth/signin with a valid device_token marks the session's device known", async () => {
      const user = await verifiedUser("known");
      const first = await signInFrom(app, user.email, SAFARI_IPHONE);
      const again = await signInFrom(app, user.email, SAFARI_IPHONE, first.device_token);
      const forged = await signInFrom(app, user.email, SAFARI_IPHONE, "forged-device-token-aaaaaaaaaaaaaaaaaaaa");
      const other = await verifiedUser("known-other");
      const foreign = await signInFrom(app, other.email, SAFARI_IPHONE);
      const stolen = await signInFrom(app, user.email, SAFARI_IPHONE, foreign.device_token);
      const byId = new Map((await listSessions(app, again.access_token)).map((s) => [s.id, s.known_device]));
      assertEquals(byId.get(claimsOf(first.access_token).sid), false, "the first sign-in had no token");
      assertEquals(byId.get(claimsOf(again.access_token).sid), true, "the token this account handed out");
      assertEquals(byId.get(claimsOf(forged.access_token).sid), false, "a forged token is not known");
      assertEquals(byId.get(claimsOf(stolen.access_token).sid), false, "another account's token is not known");
    });

    await t.step("the device is parsed once at sign-in: a refresh from another user agent leaves it", async () => {
      const user = await verifiedUser("once");
      const pair = await signInFrom(app, user.email, FIREFOX_WINDOWS);
      const refreshed = await app.request(
        "/auth/refresh",
        jsonBody({ refresh_token: pair.refresh_token }, { "User-Agent": CHROME_ANDROID }),
      );
      const { access_token } = await refreshed.json();
      const [session] = await listSessions(app, access_token);
      assertEquals(session.user_agent, CHROME_ANDROID, "the latest use's user agent");
      assertEquals(session.device.label, "Firefox on Windows", "the sign-in's device");
    });

    await t.step("a session from before devices were kept shows the parse of its stored user agent", async () => {
      const user = await insertedUser(db, "legacy");
      const parsed = await newSession(app, user, CHROME_ANDROID);
      const blank = await newSession(app, user, "");
      await sql`update sessions set device_browser = null, device_os = null, device_type = null,
        device_label = null, known_device = null where user_id = ${user.id}`.execute(db);
      await sql`update sessions set user_agent = null where id = ${claimsOf(blank.access_token).sid}`.execute(db);
      const byId = new Map((await listSessions(app, parsed.access_token)).map((s) => [s.id, s]));
      const old = byId.get(claimsOf(parsed.access_token).sid)!;
      assertEquals(old.device, { browser: "Chrome", os: "Android", type: "mobile", label: "Chrome on Android" });
      assertEquals(old.known_device, null, "unknown whether it was known");
      assertEquals(byId.get(claimsOf(blank.access_token).sid)!.device, {
        browser: null,
        os: null,
        type: null,
        label: "Unknown device",
      });
    });

    await t.step("GET /auth/sessions: a session proven with a second factor says method mfa at aal 2", async () => {
      const user = await insertedUser(db, "mfa-method");
      const meta = { ip: "198.51.100.1", userAgent: FIREFOX_WINDOWS, requestId: null };
      const pair = await app.deps.sessions.startSession(user, meta, { amr: ["pwd", "otp"], aal: 2 });
      const [session] = await listSessions(app, pair.access_token);
      assertEquals([session.method, session.aal, session.amr], ["mfa", 2, ["pwd", "otp"]]);
      assertEquals(signInMethod(["pwd", "mfa"]), "mfa");
      assertEquals(signInMethod(["hwk", "user"]), "passkey");
      assertEquals(signInMethod(["swk"]), "passkey");
      assertEquals(signInMethod(["pwd"]), "password");
    });

    await t.step("a hostile user agent reaches the list without control or bidi characters", async () => {
      const user = await insertedUser(db, "hostile");
      const pair = await newSession(app, user, "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0\u202Egnp.exe\u0007");
      const [session] = await listSessions(app, pair.access_token);
      assert(!/[\p{Cc}\p{Cf}]/u.test(JSON.stringify(session.device)), JSON.stringify(session.device));
    });

    await t.step("PATCH /auth/sessions/{id} names one of the caller's sessions", async () => {
      const user = await insertedUser(db, "rename");
      const phone = await newSession(app, user, SAFARI_IPHONE);
      const laptop = await newSession(app, user, FIREFOX_WINDOWS);
      const laptopId = claimsOf(laptop.access_token).sid;
      const { status, body } = await jsonOf(rename(app, phone.access_token, laptopId, "  Work laptop "));
      assertEquals([status, body.id, body.name, body.current], [200, laptopId, "Work laptop", false]);
      const listed = await listSessions(app, laptop.access_token);
      assertEquals(listed.find((s) => s.id === laptopId)?.name, "Work laptop");
      assertEquals(listed.find((s) => s.id !== laptopId)?.name, null);
      // Renamed again, 50 characters counted as characters (an emoji is one)
      const fifty = "💻".repeat(50);
      assertEquals((await jsonOf(rename(app, laptop.access_token, laptopId, fifty))).body.name, fifty);
    });

    await t.step("PATCH /auth/sessions/{id}: another user's, an unknown and an ended session are all 404", async () => {
      const user = await insertedUser(db, "rename-404");
      const mine = await newSession(app, user);
      const ended = await newSession(app, user);
      const endedId = claimsOf(ended.access_token).sid;
      assertEquals(
        await statusOf(app.request(`/auth/sessions/${endedId}`, bearer(mine.access_token, { method: "DELETE" }))),
        204,
      );
      const stranger = await newSession(app, await insertedUser(db, "rename-stranger"));
      const strangerId = claimsOf(stranger.access_token).sid;
      const answers = [];
      for (const id of [strangerId, crypto.randomUUID(), endedId]) {
        const { status, body } = await jsonOf(rename(app, mine.access_token, id, "Mine now"));
        answers.push([status, body.code]);
      }
      assertEquals(answers, [[404, "not_found"], [404, "not_found"], [404, "not_found"]]);
      const [strangers] = await listSessions(app, stranger.access_token);
      assertEquals(strangers.name, null, "the other user's session keeps no name");
    });

    await t.step(
      "PATCH /auth/sessions/{id} refuses control and bidi characters, empty and long names with 422",
      async () => {
        const user = await insertedUser(db, "rename-422");
        const pair = await newSession(app, user);
        const id = claimsOf(pair.access_token).sid;
        for (
          const name of ["", "   ", "a".repeat(51), "Work\u202Epot", "Line\nbreak", "Bell\u0007", "\u2066x\u2069", 7]
        ) {
          const { status, body } = await jsonOf(rename(app, pair.access_token, id, name));
          assertEquals([status, body.code], [422, "validation_failed"], JSON.stringify(name));
        }
        // Invisible format characters that are no bidi control are not refused, but never stored
        const { body } = await jsonOf(rename(app, pair.access_token, id, "Zero\u200Bwidth"));
        assertEquals(body.name, "Zerowidth");
        assertEquals((await listSessions(app, pair.access_token))[0].name, "Zerowidth");
      },
    );

    await t.step(
      "DELETE /auth/sessions?except=current ends every other session; the caller's stays valid",
      async () => {
        const user = await insertedUser(db, "end-others");
        const keeper = await newSession(app, user, FIREFOX_WINDOWS);
        const others = [await newSession(app, user, SAFARI_IPHONE), await newSession(app, user, CHROME_ANDROID)];
        const stranger = await newSession(app, await insertedUser(db, "end-others-stranger"));
        const eventsBefore = await sessionRevokedEvents(app, user.id);

        assertEquals(await statusOf(endOthers(app, keeper.access_token)), 204);
        for (const other of others) {
          assertEquals(await statusOf(getMe(app, other.access_token)), 401);
          assertEquals(await statusOf(refresh(app, other.refresh_token)), 401);
        }
        assertEquals(await statusOf(getMe(app, keeper.access_token)), 200);
        assertEquals((await listSessions(app, keeper.access_token)).map((s) => s.id), [
          claimsOf(keeper.access_token).sid,
        ]);
        assertEquals(await sessionRevokedEvents(app, user.id), eventsBefore + 2, "one event per ended session");
        assertEquals(await statusOf(getMe(app, stranger.access_token)), 200, "another user's session lives");
        const renewed = await refresh(app, keeper.refresh_token);
        assertEquals(renewed.status, 200, "the caller's refresh token still works");
        await renewed.body?.cancel();
        // Nothing left to end: still 204, nothing recorded
        assertEquals(await statusOf(endOthers(app, keeper.access_token)), 204);
        assertEquals(await sessionRevokedEvents(app, user.id), eventsBefore + 2);
      },
    );

    await t.step("DELETE /auth/sessions without except=current is 422 and ends nothing", async () => {
      const user = await insertedUser(db, "end-422");
      const keeper = await newSession(app, user);
      const other = await newSession(app, user);
      for (const query of ["", "?except=all", "?except="]) {
        const { status, body } = await jsonOf(endOthers(app, keeper.access_token, query));
        assertEquals([status, body.code], [422, "validation_failed"], query);
      }
      assertEquals(await statusOf(getMe(app, other.access_token)), 200);
    });

    await t.step("GET /admin/users/{id} lists the user's sessions with their devices", async () => {
      const user = await verifiedUser("admin-view");
      const first = await signInFrom(app, user.email, FIREFOX_WINDOWS);
      const second = await signInFrom(app, user.email, SAFARI_IPHONE, first.device_token);
      await statusOf(rename(app, second.access_token, claimsOf(first.access_token).sid, "Desk"));
      const key = await adminKey(app, ["users:read"]);
      const { status, body } = await jsonOf(app.request(`/admin/users/${user.id}`, bearer(key)));
      assertEquals(status, 200);
      assertEquals(body.active_sessions, 2);
      assertEquals(
        body.sessions.map((s: Listed) => [s.id, s.device.label, s.method, s.aal, s.known_device, s.name]),
        [
          [claimsOf(second.access_token).sid, "Safari on iOS", "password", 1, true, null],
          [claimsOf(first.access_token).sid, "Firefox on Windows", "password", 1, false, "Desk"],
        ],
      );
      assert(!("current" in body.sessions[0]), "an administrator has no current session");
    });
  } finally {
    await app.close();
  }
});

async function sessionRevokedEvents(app: TestApp, userId: string): Promise<number> {
  const rows = await app.database.db
    .selectFrom("security_events")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("user_id", "=", userId)
    .where("type", "=", "session_revoked")
    .executeTakeFirstOrThrow();
  return Number(rows.n);
}

Deno.test("DELETE /auth/sessions?except=current on instance A ends the other sessions on instance B at once", async () => {
  const database = await createTestDatabase();
  const testCache = createTestCache(createLogger({ level: "error" }));
  const a = await createTestApp({ env: ADMIN_TEST_ENV, database, revocationCache: testCache.cache });
  const b = await createTestApp({ env: ADMIN_TEST_ENV, database, revocationCache: testCache.connect() });
  try {
    const user = await insertedUser(database.db, "end-others-instances");
    const keeper = await newSession(a, user);
    const others = [await newSession(a, user), await newSession(b, user)];
    // B has seen (and cached) every token as valid before the call
    for (const pair of [keeper, ...others]) assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
    assertEquals(await statusOf(endOthers(a, keeper.access_token)), 204);
    for (const pair of others) {
      assertEquals(await statusOf(getMe(b, pair.access_token)), 401);
      assertEquals(await statusOf(refresh(b, pair.refresh_token)), 401);
    }
    assertEquals(await statusOf(getMe(b, keeper.access_token)), 200);
  } finally {
    await a.close();
    await b.close();
    await testCache.close();
    await database.close();
  }
});

Deno.test("DELETE /auth/sessions?except=current queues one session.revoked webhook per ended session, as DELETE /auth/sessions/{id} does", async () => {
  const database = await createTestDatabase();
  const app = await webhooksApp(database);
  try {
    await app.subscribe("http://127.0.0.1:9/hooks", ["session.revoked"]);
    const user = await insertedUser(database.db, "end-others-hooks");
    const keeper = await newSession(app, user);
    const single = await newSession(app, user);
    const rest = [await newSession(app, user), await newSession(app, user)];
    const revokeOne = app.request(
      `/auth/sessions/${claimsOf(single.access_token).sid}`,
      bearer(keeper.access_token, { method: "DELETE" }),
    );
    assertEquals(await statusOf(revokeOne), 204);
    assertEquals(await sessionRevokedHooks(app, user.id), [{ reason: "session_revoked", user_id: user.id }]);
    assertEquals(await statusOf(endOthers(app, keeper.access_token)), 204);
    assertEquals(
      await sessionRevokedHooks(app, user.id),
      Array(1 + rest.length).fill({
        reason: "session_revoked",
        user_id: user.id,
      }),
    );
  } finally {
    await app.close();
    await database.close();
  }
});

async function sessionRevokedHooks(app: TestApp, userId: string): Promise<unknown[]> {
  const rows = await app.database.db
    .selectFrom("webhook_deliveries")
    .select("payload")
    .where("user_id", "=", userId)
    .where("event_type", "=", "session.revoked")
    .execute();
  return rows.map((row) => (row.payload as { data: unknown }).data);
}
