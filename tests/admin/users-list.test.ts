import { CompiledQuery, sql } from "kysely";
import { usersQuery } from "../../src/repositories/admin-users.ts";
import { ADMIN_TEST_ENV, adminKey } from "./_helpers.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonOf } from "../helpers/http.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

const USERS = 10_000;
const BASE = Date.UTC(2026, 0, 1);
const database = await createTestDatabase();
const app = await createTestApp({ database, env: ADMIN_TEST_ENV });
Deno.test.afterAll(async () => {
  await app.close();
  await database.close();
});

// Set-based: four prefixes, every tenth unverified, every 25th disabled, one a second from BASE
await sql`
  insert into users (email, email_normalized, name, password_hash, email_verified, created_at, updated_at, disabled_at)
  select upper(e), e, 'seeded', 'not-a-real-hash', i % 10 <> 0, ${new Date(
  BASE,
)}::timestamptz + i * interval '1 second',
    now(), case when i % 25 = 0 then now() end
  from generate_series(1, ${USERS}) as i,
    lateral (select format('%s-%s@list%s.example', (array['alpha', 'beta', 'gamma', 'delta'])[i % 4 + 1],
      lpad(i::text, 5, '0'), i % 7) as e) as emails`.execute(database.db);
await sql`analyze users`.execute(database.db);

const key = await adminKey(app, ["users:read"]);

interface Listed {
  id: string;
  email: string;
  status: string;
}

async function everyPage(query: string, limit: number): Promise<Listed[]> {
  const seen: Listed[] = [];
  let cursor: string | null = null;
  do {
    const path: string = `/admin/users?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ""}`;
    const { status, body } = await jsonOf(app.request(path, bearer(key)));
    assertEquals(status, 200, path);
    seen.push(...body.users);
    cursor = body.next_cursor;
  } while (cursor);
  return seen;
}

function assertOnceEach(listed: Listed[], expected: number) {
  assertEquals(listed.length, expected);
  assertEquals(new Set(listed.map((user) => user.id)).size, expected, "no user twice");
  const emails = listed.map((user) => user.email.toLowerCase());
  assert(emails.every((email, i) => i === 0 || emails[i - 1] < email), "in address order");
}

Deno.test(`admin users: ${USERS} users paged 100 at a time come back exactly once each`, async () => {
  assertOnceEach(await everyPage("", 100), USERS);
});

Deno.test("admin users: a prefix of the normalized address finds every match exactly once, across pages", async () => {
  const beta = await everyPage("&email=BETA-", 37);
  assertOnceEach(beta, USERS / 4);
  assert(beta.every((user) => user.email.startsWith("BETA-")), "only matches");
  const narrow = await everyPage("&email=gamma-0012", 3);
  assert(narrow.every((user) => user.email.toLowerCase().startsWith("gamma-0012")), "only matches");
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from users where email_normalized like 'gamma-0012%'`.execute(database.db);
  assertOnceEach(narrow, Number(rows[0].n));
  assertEquals((await everyPage("&email=zulu", 10)).length, 0);
});

Deno.test("admin users: status and creation-range filters match what the rows say", async () => {
  const disabled = await everyPage("&status=disabled", 100);
  assertOnceEach(disabled, USERS / 25);
  assert(disabled.every((user) => user.status === "disabled"));
  const unverified = await everyPage("&status=unverified", 100);
  // Every tenth, less those (every 50th) that are disabled
  assertOnceEach(unverified, USERS / 10 - USERS / 50);
  const active = await everyPage("&status=active&email=alpha-", 100);
  assert(active.every((user) => user.status === "active" && user.email.startsWith("ALPHA-")));
  const after = new Date(BASE + 1000 * 1000).toISOString();
  const before = new Date(BASE + 2000 * 1000).toISOString();
  const range = await everyPage(`&created_after=${after}&created_before=${before}`, 100);
  assertOnceEach(range, 1000);
});

Deno.test("admin users: a forged, garbled or foreign cursor is 422, never 500", async () => {
  const first = await jsonOf(app.request("/admin/users?limit=2", bearer(key)));
  const issued: string = first.body.next_cursor;
  const reader = await adminKey(app, ["audit:read"]);
  const events = await jsonOf(app.request("/admin/security-events?limit=1", bearer(reader)));
  const forged = btoa(JSON.stringify(["alpha-00001@list1.example", "0".repeat(64)])).replace(/=+$/, "");
  const cursors = [
    "garbage",
    "A",
    issued.slice(0, -2),
    issued.slice(0, -1) + (issued.endsWith("A") ? "B" : "A"),
    forged,
    btoa("[]").replace(/=+$/, ""),
    btoa('{"a":1}').replace(/=+$/, ""),
    btoa("\u00ff\u00fe").replace(/=+$/, ""),
    ...(events.body.next_cursor ? [events.body.next_cursor] : []),
  ];
  for (const cursor of cursors) {
    const { status, body } = await jsonOf(app.request(`/admin/users?cursor=${cursor}`, bearer(key)));
    assertEquals([status, body.code], [422, "validation_failed"], cursor);
  }
});

Deno.test('admin users: the prefix search and each page are one range scan of the collate "C" index', async () => {
  const now = new Date();
  for (const filter of [{ emailPrefix: "beta-", limit: 21, now }, { after: "gamma-05000", limit: 21, now }]) {
    const compiled = usersQuery(database.db, filter).compile();
    const plan = await database.db.executeQuery<{ "QUERY PLAN": string }>(
      CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]),
    );
    const text = plan.rows.map((row) => row["QUERY PLAN"]).join("\n");
    assert(text.includes("users_email_prefix_idx"), text);
  }
});
