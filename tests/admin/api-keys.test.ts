import { sql } from "kysely";
import { ManualClock } from "../../src/clock.ts";
import { runAdminKeyCommand } from "../../src/cli/admin-key.ts";
import { ADMIN_SCOPES, type AdminScope } from "../../src/services/admin/scopes.ts";
import { ADMIN_TEST_ENV, adminKey } from "./_helpers.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonBody, jsonOf } from "../helpers/http.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

const database = await createTestDatabase();
const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const app = await createTestApp({ database, clock, env: ADMIN_TEST_ENV });
Deno.test.afterAll(async () => {
  await app.close();
  await database.close();
});

const target = await insertedUser(app.database.db, "target", { passwords: app.deps.passwords, verified: true });
// Deleted by the matrix's last request with the scope: every other operation keeps its target
const doomed = await insertedUser(app.database.db, "doomed", { passwords: app.deps.passwords, verified: true });
const FORM = "application/x-www-form-urlencoded";

/** Every admin operation, the scope it needs, and a request to it. */
const OPERATIONS: { name: string; scope: AdminScope; path: string; init: () => RequestInit }[] = [
  { name: "GET /admin/users", scope: "users:read", path: "/admin/users", init: () => ({}) },
  { name: "GET /admin/users/{id}", scope: "users:read", path: `/admin/users/${target.id}`, init: () => ({}) },
  {
    name: "POST /admin/users/{id}/disable",
    scope: "users:write",
    path: `/admin/users/${target.id}/disable`,
    init: () => jsonBody({ reason: "scope matrix" }),
  },
  {
    name: "POST /admin/users/{id}/enable",
    scope: "users:write",
    path: `/admin/users/${target.id}/enable`,
    init: () => ({ method: "POST" }),
  },
  {
    name: "POST /admin/users/{id}/sign-out",
    scope: "users:write",
    path: `/admin/users/${target.id}/sign-out`,
    init: () => ({ method: "POST" }),
  },
  {
    name: "POST /admin/users/{id}/send-password-reset",
    scope: "users:write",
    path: `/admin/users/${target.id}/send-password-reset`,
    init: () => ({ method: "POST" }),
  },
  {
    name: "DELETE /admin/users/{id}",
    scope: "users:write",
    path: `/admin/users/${doomed.id}`,
    init: () => ({ method: "DELETE" }),
  },
  { name: "GET /admin/security-events", scope: "audit:read", path: "/admin/security-events", init: () => ({}) },
  {
    name: "POST /oauth/introspect",
    scope: "tokens:introspect",
    path: "/oauth/introspect",
    init: () => ({ method: "POST", headers: { "Content-Type": FORM }, body: "token=not-a-token" }),
  },
];

Deno.test("admin keys: each operation refuses a key without its scope (403), and serves one with it", async (t) => {
  for (const operation of OPERATIONS) {
    await t.step(operation.name, async () => {
      const others = ADMIN_SCOPES.filter((scope) => scope !== operation.scope);
      const lacking = await adminKey(app, others);
      const refused = await jsonOf(app.request(operation.path, bearer(lacking, operation.init())));
      assertEquals([refused.status, refused.body.code], [403, "insufficient_scope"]);
      const holding = await adminKey(app, [operation.scope]);
      const served = await app.request(operation.path, bearer(holding, operation.init()));
      await served.body?.cancel();
      assert(served.status >= 200 && served.status < 300, `${operation.name} with its scope: ${served.status}`);
    });
  }
});

Deno.test("admin keys: a missing, unknown, revoked or expired key, or a user's access token, is 401 on every operation", async () => {
  const revoked = await adminKey(app, [...ADMIN_SCOPES], { name: "to-revoke" });
  await app.deps.adminKeys.revoke("to-revoke");
  const expiring = await adminKey(app, [...ADMIN_SCOPES], { expiresDays: 1 });
  const live = await adminKey(app, [...ADMIN_SCOPES]);
  const unknown = "jak_" + "A".repeat(43);
  const accessToken = (await newSession(app, target)).access_token;
  const liveBefore = await app.request("/admin/users", bearer(expiring));
  assertEquals(liveBefore.status, 200, "the expiring key works before its expiry");
  await liveBefore.body?.cancel();
  clock.advance(86_400_000 + 1000);
  for (const operation of OPERATIONS) {
    for (
      const [label, init] of [
        ["no key", operation.init()],
        ["unknown key", bearer(unknown, operation.init())],
        ["revoked key", bearer(revoked, operation.init())],
        ["expired key", bearer(expiring, operation.init())],
        ["access token", bearer(accessToken, operation.init())],
        [
          "key with a flipped character",
          bearer(live.slice(0, -1) + (live.endsWith("A") ? "B" : "A"), operation.init()),
        ],
      ] as const
    ) {
      const { status, body } = await jsonOf(app.request(operation.path, init));
      assertEquals([status, body.code], [401, "invalid_token"], `${operation.name} with ${label}`);
    }
  }
});

Deno.test("admin keys: revoking a key takes effect on another instance's very next request", async () => {
  const other = await createTestApp({ database, clock, env: ADMIN_TEST_ENV });
  try {
    const key = await adminKey(app, ["users:read"], { name: "revoked-across" });
    const before = await other.request("/admin/users", bearer(key));
    assertEquals(before.status, 200);
    await before.body?.cancel();
    await app.deps.adminKeys.revoke("revoked-across");
    const after = await jsonOf(other.request("/admin/users", bearer(key)));
    assertEquals([after.status, after.body.code], [401, "invalid_token"]);
  } finally {
    await other.close();
  }
});

Deno.test("admin keys: the database holds no key text, only its SHA-256; logs never carry it", async () => {
  const key = await adminKey(app, [...ADMIN_SCOPES], { name: "dump-check" });
  const used = await app.request("/admin/users", bearer(key));
  await used.body?.cancel();
  const dump = await sql<{ row: string }>`select row_to_json(k)::text as row from admin_api_keys k`.execute(
    database.db,
  );
  const text = dump.rows.map((row) => row.row).join("\n");
  assert(text.includes("dump-check"), "the dump holds the key's row");
  assert(!text.includes(key), "the key text is not stored");
  assert(!text.includes(key.slice(4)), "nor its random part");
  const events = await sql<{ row: string }>`select row_to_json(e)::text as row from security_events e`.execute(
    database.db,
  );
  assert(!events.rows.some((row) => row.row.includes(key.slice(4))), "no event holds it");
  assert(!JSON.stringify(app.logger.lines).includes(key.slice(4)), "no log line holds it");
  const row = await database.db.selectFrom("admin_api_keys").selectAll().where("name", "=", "dump-check")
    .executeTakeFirstOrThrow();
  assertMatch(row.key_hash, /^[0-9a-f]{64}$/);
  assertEquals(row.last_used_at?.getTime(), clock.now().getTime(), "last use recorded");
});

Deno.test("admin keys: keys look like jak_ + 43 base64url characters, names are unique, scopes checked", async () => {
  const { key, view } = await app.deps.adminKeys.create({ name: "shape", scopes: ["audit:read"] });
  assertMatch(key, /^jak_[A-Za-z0-9_-]{43}$/);
  assertEquals(view.scopes, ["audit:read"]);
  const lines: string[] = [];
  const context = {
    keys: app.deps.adminKeys,
    out: (line: string) => lines.push(line),
    err: (line: string) => lines.push(line),
  };
  assertEquals(await runAdminKeyCommand(["create", "--name", "shape", "--scopes", "audit:read"], context), 1);
  assertEquals(await runAdminKeyCommand(["create", "--name", "bad-scope", "--scopes", "users:delete"], context), 1);
  assertEquals(await runAdminKeyCommand(["create", "--name", "no-scopes"], context), 2);
});

Deno.test("admin-key CLI: create prints the key once, list never shows it, revoke ends it", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const context = {
    keys: app.deps.adminKeys,
    out: (line: string) => out.push(line),
    err: (line: string) => err.push(line),
  };
  const code = await runAdminKeyCommand(
    ["create", "--name", "cli-key", "--scopes", "users:read,audit:read", "--expires-days", "30"],
    context,
  );
  assertEquals(code, 0);
  const key = out.find((line) => line.startsWith("jak_"))!;
  assertMatch(key, /^jak_[A-Za-z0-9_-]{43}$/);
  assertMatch(out[0], /^cli-key {2}users:read,audit:read {2}created .*, never used, expires /);
  const works = await app.request("/admin/security-events", bearer(key));
  assertEquals(works.status, 200);
  await works.body?.cancel();

  out.length = 0;
  assertEquals(await runAdminKeyCommand(["list"], context), 0);
  assert(out.some((line) => line.startsWith("cli-key  users:read,audit:read")), out.join("\n"));
  assert(!out.join("\n").includes(key.slice(4)), "list never shows a key");

  assertEquals(await runAdminKeyCommand(["revoke", "cli-key"], context), 0);
  const refused = await jsonOf(app.request("/admin/security-events", bearer(key)));
  assertEquals(refused.status, 401);
  assertEquals(await runAdminKeyCommand(["revoke", "cli-key"], context), 1, "already revoked");
});

Deno.test("admin tier: limited per key, not per address", async () => {
  const limited = await createTestApp({ database, clock, env: { RATE_LIMIT_ADMIN_PER_MINUTE: "2" } });
  try {
    const first = await adminKey(limited, ["users:read"]);
    const second = await adminKey(limited, ["users:read"]);
    for (let i = 0; i < 2; i++) {
      const response = await limited.request("/admin/users", bearer(first));
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("ratelimit-policy"), '"admin";q=2;w=60');
      await response.body?.cancel();
    }
    const third = await jsonOf(limited.request("/admin/users", bearer(first)));
    assertEquals([third.status, third.body.code], [429, "rate_limited"]);
    const otherKey = await limited.request("/admin/users", bearer(second));
    assertEquals(otherKey.status, 200, "another key from the same address has its own budget");
    await otherKey.body?.cancel();
  } finally {
    await limited.close();
  }
});
