import { sql } from "kysely";
import { ADMIN_TEST_ENV, adminKey } from "./_helpers.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonOf } from "../helpers/http.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { TEST_DATABASE_URL } from "../helpers/env.ts";

/** 100,000 on PostgreSQL; fewer on PGlite, where seeding and reading them take much longer */
const EVENTS = TEST_DATABASE_URL ? 100_000 : 20_000;
const BASE = Date.UTC(2026, 5, 1);
const database = await createTestDatabase();
const app = await createTestApp({ database, env: ADMIN_TEST_ENV });
Deno.test.afterAll(async () => {
  await app.close();
  await database.close();
});

// Set-based: 100 users, events a second apart, alternating types
await sql`
  insert into users (email, email_normalized, password_hash, created_at, updated_at)
  select format('audit-%s@example.com', i), format('audit-%s@example.com', i), 'not-a-real-hash', now(), now()
  from generate_series(1, 100) as i`.execute(database.db);
await sql`
  insert into security_events (user_id, type, ip, user_agent, request_id, created_at)
  select u.id, (array['signin_succeeded', 'signin_failed', 'logout'])[i % 3 + 1], '203.0.113.7', 'seed', null,
    ${new Date(BASE)}::timestamptz + i * interval '1 second'
  from generate_series(1, ${EVENTS}) as i
  join (select id, row_number() over (order by id) - 1 as n from users) as u on u.n = i % 100`.execute(database.db);
await sql`analyze security_events`.execute(database.db);

const key = await adminKey(app, ["audit:read"]);
const NDJSON = { Accept: "application/x-ndjson" };

Deno.test(`admin events: an NDJSON export of ${EVENTS} events is one parseable line per event, in order`, async () => {
  const response = await app.request("/admin/security-events", bearer(key, { headers: NDJSON }));
  assertEquals(response.status, 200);
  assertEquals(response.headers.get("content-type"), "application/x-ndjson");
  const text = await response.text();
  assert(text.endsWith("\n"), "every line ends");
  const lines = text.slice(0, -1).split("\n");
  assertEquals(lines.length, EVENTS);
  const events = lines.map((line) => JSON.parse(line));
  assertEquals(new Set(events.map((event) => event.id)).size, EVENTS, "each event once");
  assert(events.every((event, i) => i === 0 || events[i - 1].created_at <= event.created_at), "oldest first");
});

Deno.test("admin events: the export honours user, type and time filters", async () => {
  const since = new Date(BASE + 1000 * 1000).toISOString();
  const until = new Date(BASE + 4000 * 1000).toISOString();
  const response = await app.request(
    `/admin/security-events?type=logout&since=${since}&until=${until}`,
    bearer(key, { headers: NDJSON }),
  );
  const events = (await response.text()).trim().split("\n").map((line) => JSON.parse(line));
  // Seconds 1000..3999, every third (i % 3 = 2) a logout
  assertEquals(events.length, 1000);
  assert(events.every((event) => event.type === "logout" && event.created_at >= since && event.created_at < until));
  const user = events[0].user_id;
  const mine = await app.request(`/admin/security-events?user_id=${user}`, bearer(key, { headers: NDJSON }));
  const lines = (await mine.text()).trim().split("\n").map((line) => JSON.parse(line));
  assertEquals(lines.length, EVENTS / 100);
  assert(lines.every((event) => event.user_id === user));
});

Deno.test("admin events: JSON pages of one user's events return each exactly once", async () => {
  const { rows } = await sql<{ id: string }>`select id from users order by id limit 1`.execute(database.db);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const path: string = `/admin/security-events?user_id=${rows[0].id}&limit=37${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await jsonOf(app.request(path, bearer(key)));
    assertEquals(page.status, 200);
    seen.push(...page.body.events.map((event: { id: string }) => event.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  assertEquals(seen.length, EVENTS / 100);
  assertEquals(new Set(seen).size, seen.length);
});

Deno.test("admin events: a forged or foreign cursor is 422 for pages and exports alike", async () => {
  const users = await jsonOf(app.request("/admin/users?limit=1", bearer(await adminKey(app, ["users:read"]))));
  const foreign: string = users.body.next_cursor;
  const page = await jsonOf(app.request("/admin/security-events?limit=1", bearer(key)));
  const issued: string = page.body.next_cursor;
  const badDate = btoa(JSON.stringify(["0000-01-01T00:00:00.000Z", crypto.randomUUID(), "00"])).replace(/=+$/, "");
  for (const cursor of [foreign, issued.slice(0, -1) + (issued.endsWith("A") ? "B" : "A"), badDate, "x"]) {
    for (const headers of [{}, NDJSON]) {
      const { status, body } = await jsonOf(
        app.request(`/admin/security-events?cursor=${cursor}`, bearer(key, { headers })),
      );
      assertEquals([status, body.code], [422, "validation_failed"], cursor);
    }
  }
});
