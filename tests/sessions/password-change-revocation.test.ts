/**
 * POST /auth/change-password kills every access token issued before it, on every bearer route
 * and in introspection, whichever path checks tokens: PostgreSQL alone (no Redis) or the Redis
 * cache in front of it. GET /auth/me alone is not enough: without Redis its statement checks
 * the token itself, while every other route and introspection go through the revocation check.
 */
import { ADMIN_TEST_ENV, adminKey } from "../admin/_helpers.ts";
import { insertedUser, PASSWORD } from "../helpers/accounts.ts";
import { createTestApp, type TestApp, type TestAppOptions } from "../helpers/app.ts";
import { bearer, jsonBody, jsonOf, postJson } from "../helpers/http.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { TEST_REDIS_URL } from "../helpers/env.ts";
import { exampleRequest, requiresScheme, specOperations } from "../helpers/spec-requests.ts";
import type { TokenPair } from "../../src/services/sessions/token-pair.ts";
import { claimsOf } from "../helpers/claims.ts";

const database = await createTestDatabase();
Deno.test.afterAll(async () => {
  await database.close();
});

const NEW_PASSWORD = "a brand new passphrase";

/** The token checks under test: PostgreSQL alone always; the Redis cache too when the test Redis is there. */
const TOKEN_CHECKS: [string, TestAppOptions][] = [
  ["without Redis", { withoutRedis: true }],
  ...(TEST_REDIS_URL ? [["with Redis", {}] as [string, TestAppOptions]] : []),
];

async function signIn(t: TestApp, email: string): Promise<TokenPair> {
  const response = await postJson(t, "/auth/signin", { email: email, password: PASSWORD });
  assertEquals(response.status, 200);
  return await response.json();
}

async function changePassword(t: TestApp, accessToken: string): Promise<TokenPair> {
  const response = await t.request(
    "/auth/change-password",
    jsonBody({ current_password: PASSWORD, new_password: NEW_PASSWORD }, { Authorization: `Bearer ${accessToken}` }),
  );
  assertEquals(response.status, 200);
  return await response.json();
}

/** A user signed in twice who then changed the password in the first session. */
async function passwordChanged(t: TestApp, label: string) {
  const user = await insertedUser(t.database.db, label, { passwords: t.deps.passwords, verified: true });
  const here = await signIn(t, user.email);
  const elsewhere = (await signIn(t, user.email)).access_token;
  const renewed = await changePassword(t, here.access_token);
  return { here, elsewhere, renewed };
}

function introspect(t: TestApp, key: string, token: string) {
  return jsonOf(t.request(
    "/oauth/introspect",
    bearer(key, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
    }),
  ));
}

for (const [label, options] of TOKEN_CHECKS) {
  Deno.test(`POST /auth/change-password (${label}): an access token from before gets 401 on every bearer route of the spec and introspects as inactive`, async () => {
    const t = await createTestApp({ ...options, database, env: ADMIN_TEST_ENV });
    try {
      const key = await adminKey(t, ["tokens:introspect"]);
      const spec = await (await t.request("/openapi.json")).json();
      const bearerOperations = specOperations(spec).filter((operation) => requiresScheme(operation, "bearerAuth"));
      assert(bearerOperations.length >= 10, `${bearerOperations.length} bearer operations`);

      const answers: string[] = [];
      // A user of its own for each operation: a token that got through could end the session the next one uses
      for (const operation of bearerOperations) {
        const { here, elsewhere } = await passwordChanged(t, "stale-token");
        for (const [whose, token] of [["this session's", here.access_token], ["another session's", elsewhere]]) {
          const { url, init } = exampleRequest(operation, { Authorization: `Bearer ${token}` });
          const response = await t.request(url, init);
          const body = await response.json().catch(() => undefined);
          answers.push(`${operation.method} ${operation.path} with ${whose} token → ${response.status} ${body?.code}`);
        }
      }
      const expected = bearerOperations.flatMap((operation) =>
        ["this session's", "another session's"].map((whose) =>
          `${operation.method} ${operation.path} with ${whose} token → 401 invalid_token`
        )
      );
      assertEquals(answers, expected);

      const { here, elsewhere, renewed } = await passwordChanged(t, "stale-introspected");
      assertEquals((await introspect(t, key, here.access_token)).body, { active: false }, "this session's");
      assertEquals((await introspect(t, key, elsewhere)).body, { active: false }, "another session's");
      // The refusals are the tokens', not the routes': the new pair passes the same checks
      const sessions = await t.request("/auth/sessions", bearer(renewed.access_token));
      assertEquals(sessions.status, 200);
      await sessions.body?.cancel();
      const live = await introspect(t, key, renewed.access_token);
      assertEquals([live.body.active, live.body.sid], [true, claimsOf(here.access_token).sid]);
    } finally {
      await t.close();
    }
  });

  Deno.test(`POST /auth/change-password (${label}): GET /auth/sessions then lists the current session alone`, async () => {
    const t = await createTestApp({ ...options, database, env: ADMIN_TEST_ENV });
    try {
      const user = await insertedUser(t.database.db, "other-sessions", { passwords: t.deps.passwords, verified: true });
      const here = await signIn(t, user.email);
      for (let other = 0; other < 2; other++) await signIn(t, user.email);
      const listed = async (accessToken: string) => {
        const { status, body } = await jsonOf(t.request("/auth/sessions", bearer(accessToken)));
        assertEquals(status, 200);
        return body.sessions.map((session: { id: string; current: boolean }) => [session.id, session.current]);
      };
      assertEquals((await listed(here.access_token)).length, 3);

      const renewed = await changePassword(t, here.access_token);
      assertEquals(await listed(renewed.access_token), [[claimsOf(here.access_token).sid, true]]);
    } finally {
      await t.close();
    }
  });
}
