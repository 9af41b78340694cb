import { ManualClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logger.ts";
import { ADMIN_SCOPES } from "../../src/services/admin/scopes.ts";
import { ADMIN_TEST_ENV, adminKey } from "./_helpers.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonOf, postAs, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe } from "../sessions/_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { claimsOf } from "../helpers/claims.ts";

const database = await createTestDatabase();
const testCache = createTestCache(createLogger({ level: "error" }));
const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const a = await createTestApp({ database, clock, env: ADMIN_TEST_ENV, revocationCache: testCache.cache });
const b = await createTestApp({ database, clock, env: ADMIN_TEST_ENV, revocationCache: testCache.connect() });
Deno.test.afterAll(async () => {
  await a.close();
  await b.close();
  await testCache.close();
  await database.close();
});
const key = await adminKey(a, ["tokens:introspect"]);

function introspect(app: typeof a, token: string, withAdminKey = key) {
  return jsonOf(app.request(
    "/oauth/introspect",
    bearer(withAdminKey, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
    }),
  ));
}

Deno.test("POST /oauth/introspect: a live access token is active with its user, session and times", async () => {
  const user = await insertedUser(database.db, "introspected");
  const pair = await newSession(a, user);
  const claims = claimsOf(pair.access_token);
  const { status, body } = await introspect(b, pair.access_token);
  assertEquals(status, 200);
  assertEquals(body, {
    active: true,
    sub: user.id,
    sid: claims.sid,
    exp: claims.exp,
    iat: claims.iat,
    token_type: "Bearer",
    amr: ["pwd"],
    aal: 1,
    auth_time: claims.iat,
  });
});

Deno.test("POST /oauth/introspect: after logout on instance A the token is inactive on instance B", async () => {
  const user = await insertedUser(database.db, "logged-out");
  const pair = await newSession(a, user);
  assertEquals((await introspect(b, pair.access_token)).body.active, true);
  assertEquals(await statusOf(postAs(a, "/auth/logout", pair.access_token)), 204);
  assertEquals((await introspect(b, pair.access_token)).body, { active: false });
  assertEquals(await statusOf(getMe(b, pair.access_token)), 401, "the bearer check agrees");
});

Deno.test("POST /oauth/introspect: expired, refresh, foreign and garbage tokens are active: false (200)", async () => {
  const user = await insertedUser(database.db, "inactive");
  const pair = await newSession(a, user);
  const foreign = await createTestApp({
    database,
    clock,
    env: { JWT_SECRET: "another-service-secret-0123456789abcdef0123" },
  });
  try {
    const stranger = (await newSession(foreign, user)).access_token;
    for (const token of [pair.refresh_token, stranger, "garbage", "a.b.c", pair.access_token + "x"]) {
      const { status, body } = await introspect(a, token);
      assertEquals([status, body], [200, { active: false }], token.slice(0, 20));
    }
    clock.advance(a.deps.config.jwt.accessTtlSeconds * 1000 + 1000);
    assertEquals((await introspect(a, pair.access_token)).body, { active: false }, "expired");
  } finally {
    await foreign.close();
  }
});

Deno.test("POST /oauth/introspect: a key without tokens:introspect is 403, no key is 401", async () => {
  const others = await adminKey(a, ADMIN_SCOPES.filter((scope) => scope !== "tokens:introspect"));
  const refused = await introspect(a, "anything", others);
  assertEquals([refused.status, refused.body.code], [403, "insufficient_scope"]);
  const anonymous = await jsonOf(a.request("/oauth/introspect", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "token=anything",
  }));
  assertEquals([anonymous.status, anonymous.body.code], [401, "invalid_token"]);
});

Deno.test("GET /.well-known/oauth-authorization-server: the RFC 8414 metadata names the introspection endpoint", async () => {
  const { body } = await jsonOf(a.request("/.well-known/oauth-authorization-server"));
  assertEquals(body.introspection_endpoint, "http://localhost:8000/oauth/introspect");
});
