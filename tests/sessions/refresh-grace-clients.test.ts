/**
 * POST /auth/refresh within the reuse grace window (REFRESH_REUSE_GRACE_SECONDS=10): the kept
 * pair goes to the client that exchanged the token and to nobody else, every grace answer is
 * a security event, and a pair handed out by a grace answer opens no grace of its own. On one
 * instance, and on two sharing a database (and a revocation cache when TEST_REDIS_URL is set).
 */
import { ManualClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logger.ts";
import type { UserRow } from "../../src/db/schema.ts";
import type { TokenPair } from "../../src/services/identity.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { claimsOf } from "../helpers/claims.ts";

const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";
const HOME_IP = "203.0.113.7";
const OTHER_IP = "198.51.100.23";

/** A client as the service sees it: a User-Agent and a socket address. */
interface Client {
  userAgent: string;
  ip: string;
}

const OWNER: Client = { userAgent: BROWSER, ip: HOME_IP };

async function refreshAs(instance: TestApp, client: Client, refreshToken: string): Promise<Response> {
  return await refresh(instance, refreshToken, client.userAgent, client.ip);
}

async function pairFrom(response: Promise<Response>): Promise<TokenPair> {
  const settled = await response;
  assertEquals(settled.status, 200);
  return await settled.json();
}

async function eventTypes(database: TestDatabase, user: UserRow): Promise<string[]> {
  const rows = await database.db.selectFrom("security_events").select("type").where("user_id", "=", user.id)
    .where("type", "in", ["refresh_token_grace_replay", "refresh_token_reused"]).orderBy("created_at").execute();
  return rows.map((row) => row.type);
}

async function revokedReason(database: TestDatabase, pair: TokenPair): Promise<string | null> {
  const session = await database.db.selectFrom("sessions").select("revoked_reason")
    .where("id", "=", claimsOf(pair.refresh_token).sid).executeTakeFirstOrThrow();
  return session.revoked_reason;
}

/**
 * Every step exchanges on `first` and replays on `second`: the same instance, or another one
 * sharing the database (and the revocation cache).
 */
async function graceSteps(
  t: Deno.TestContext,
  database: TestDatabase,
  clock: ManualClock,
  [first, second]: [TestApp, TestApp],
): Promise<void> {
  async function signedIn(label: string): Promise<{ user: UserRow; pair: TokenPair }> {
    const user = await insertedUser(database.db, label);
    return { user, pair: await newSession(first, user) };
  }

  /** The replay is reuse: 401, the session ended, its newest pair dead on both instances. */
  async function assertReuse(user: UserRow, replay: Response, newest: TokenPair) {
    assertEquals(replay.status, 401);
    assertEquals((await replay.json()).code, "invalid_token");
    assertEquals(await revokedReason(database, newest), "refresh_token_reused");
    for (const instance of [first, second]) {
      assertEquals(await statusOf(getMe(instance, newest.access_token)), 401);
    }
    assertEquals(await statusOf(refreshAs(first, OWNER, newest.refresh_token)), 401);
    assertEquals((await eventTypes(database, user)).at(-1), "refresh_token_reused");
  }

  await t.step("two refreshes at once from one client: both get the kept pair, one grace event", async () => {
    const { user, pair } = await signedIn("double-refresh");
    const [a, b] = await Promise.all([
      pairFrom(refreshAs(first, OWNER, pair.refresh_token)),
      pairFrom(refreshAs(second, OWNER, pair.refresh_token)),
    ]);
    assertEquals(a, b);
    for (const instance of [first, second]) assertEquals(await statusOf(getMe(instance, a.access_token)), 200);
    assertEquals(await eventTypes(database, user), ["refresh_token_grace_replay"]);
    assertEquals(await revokedReason(database, pair), null);
    clock.advance(60_000);
    assertEquals(await statusOf(refreshAs(first, OWNER, a.refresh_token)), 200, "the pair rotates on");
  });

  await t.step("a grace answer records refresh_token_grace_replay with the replaying request's client", async () => {
    const { user, pair } = await signedIn("grace-event");
    const exchanged = await pairFrom(refreshAs(first, OWNER, pair.refresh_token));
    clock.advance(2_000);
    assertEquals(await pairFrom(refreshAs(second, OWNER, pair.refresh_token)), exchanged);
    const events = await database.db.selectFrom("security_events").select(["type", "ip", "user_agent"])
      .where("user_id", "=", user.id).where("type", "=", "refresh_token_grace_replay").execute();
    assertEquals(events, [{ type: "refresh_token_grace_replay", ip: HOME_IP, user_agent: BROWSER }]);
  });

  await t.step("walk refused: the token of a grace answer, replayed after its exchange, is reuse", async () => {
    const { user, pair } = await signedIn("walk");
    const owners = await pairFrom(refreshAs(first, OWNER, pair.refresh_token));
    clock.advance(1_000);
    // A copy of the first refresh token, sent from the owner's own network and browser
    const copys = await pairFrom(refreshAs(second, OWNER, pair.refresh_token));
    assertEquals(copys, owners);
    clock.advance(60_000);
    const newest = await pairFrom(refreshAs(first, OWNER, owners.refresh_token));
    clock.advance(1_000);
    await assertReuse(user, await refreshAs(second, OWNER, copys.refresh_token), newest);
    assertEquals(await eventTypes(database, user), ["refresh_token_grace_replay", "refresh_token_reused"]);
  });

  await t.step("walk refused when the copy exchanges the shared token first: the owner's turn is reuse", async () => {
    const { user, pair } = await signedIn("walk-ahead");
    const owners = await pairFrom(refreshAs(first, OWNER, pair.refresh_token));
    clock.advance(1_000);
    const copys = await pairFrom(refreshAs(second, OWNER, pair.refresh_token));
    clock.advance(60_000);
    const ahead = await pairFrom(refreshAs(second, OWNER, copys.refresh_token));
    clock.advance(1_000);
    await assertReuse(user, await refreshAs(first, OWNER, owners.refresh_token), ahead);
  });

  for (
    const [label, other] of [
      ["another User-Agent from the same address", { userAgent: "curl/8.11.1", ip: HOME_IP }],
      ["the same User-Agent from another address", { userAgent: BROWSER, ip: OTHER_IP }],
      ["the same User-Agent from another IPv6 /64", { userAgent: BROWSER, ip: "2001:db8:1:3::10" }],
    ] as const
  ) {
    await t.step(`a replay within the window from ${label} is reuse`, async () => {
      const { user, pair } = await signedIn("other-client");
      const owner = label.includes("IPv6") ? { userAgent: BROWSER, ip: "2001:db8:1:2::10" } : OWNER;
      const owners = await pairFrom(refreshAs(first, owner, pair.refresh_token));
      clock.advance(1_000);
      await assertReuse(user, await refreshAs(second, other, pair.refresh_token), owners);
      assertEquals(await eventTypes(database, user), ["refresh_token_reused"], "no grace answer");
    });
  }

  await t.step("an IPv6 client sending from another address of its /64 gets the kept pair", async () => {
    const { pair } = await signedIn("ipv6-client");
    const exchanged = await pairFrom(
      refreshAs(first, { userAgent: BROWSER, ip: "2001:db8:1:2::10" }, pair.refresh_token),
    );
    clock.advance(1_000);
    const again = refreshAs(second, { userAgent: BROWSER, ip: "2001:db8:1:2:a1b2:c3d4:e5f6:789" }, pair.refresh_token);
    assertEquals(await pairFrom(again), exchanged);
  });
}

Deno.test("POST /auth/refresh within the grace window, on one instance", async (t) => {
  const clock = new ManualClock(new Date("2026-11-30T09:00:00Z"));
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV, clock });
  try {
    await graceSteps(t, testApp.database, clock, [testApp, testApp]);
  } finally {
    await testApp.close();
  }
});

Deno.test("POST /auth/refresh within the grace window: exchanged on instance 1, replayed on instance 2", async (t) => {
  const clock = new ManualClock(new Date("2026-11-30T09:00:00Z"));
  const database = await createTestDatabase();
  const testCache = createTestCache(createLogger({ level: "error" }));
  const one = await createTestApp({ env: MANY_REQUESTS_ENV, clock, database, revocationCache: testCache.cache });
  const two = await createTestApp({ env: MANY_REQUESTS_ENV, clock, database, revocationCache: testCache.connect() });
  try {
    await graceSteps(t, database, clock, [one, two]);
  } finally {
    await one.close();
    await two.close();
    await testCache.close();
    await database.close();
  }
});
