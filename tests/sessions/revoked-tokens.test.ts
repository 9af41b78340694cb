/**
 * A revoked access token is refused on every bearer route and introspects as inactive,
 * whichever path checks tokens: PostgreSQL alone (no Redis) or the Redis cache in front of it.
 * GET /auth/me alone proves too little: without Redis its statement checks the token itself,
 * while every other route and introspection go through the revocation check.
 */
import { ADMIN_TEST_ENV, adminKey } from "../admin/_helpers.ts";
import { insertedUser, PASSWORD } from "../helpers/accounts.ts";
import { createTestApp, type TestApp, type TestAppOptions } from "../helpers/app.ts";
import { bearer, jsonBody, jsonOf, postJson, statusOf } from "../helpers/http.ts";
import { claimsOf } from "../helpers/claims.ts";
import { refresh } from "./_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { TEST_REDIS_URL } from "../helpers/env.ts";
import { exampleRequest, requiresScheme, specOperations } from "../helpers/spec-requests.ts";
import type { TokenPair } from "../../src/services/identity.ts";

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

async function expectStatus(response: Promise<Response>, status: number, what: string): Promise<void> {
  assertEquals(await statusOf(response), status, what);
}

/** The access tokens a revocation must have killed (by whose they are), and one it must have left alive. */
interface Revoked {
  stale: Record<string, string>;
  live: string;
}

/** Each way an access token is revoked, on a new user whose tokens were checked (and cached) as valid first. */
const REVOCATIONS: Record<string, (t: TestApp) => Promise<Revoked>> = {
  "POST /auth/change-password": async (t) => {
    const user = await insertedUser(t.database.db, "password-changed", { passwords: t.deps.passwords, verified: true });
    const here = await signIn(t, user.email);
    const elsewhere = await signIn(t, user.email);
    await warm(t, here, elsewhere);
    const renewed = await changePassword(t, here.access_token);
    return {
      stale: { "this session's": here.access_token, "another session's": elsewhere.access_token },
      live: renewed.access_token,
    };
  },
  "DELETE /auth/sessions/{id}": async (t) => {
    const user = await insertedUser(t.database.db, "session-ended", { passwords: t.deps.passwords, verified: true });
    const ended = await signIn(t, user.email);
    const here = await signIn(t, user.email);
    await warm(t, ended, here);
    const url = `/auth/sessions/${claimsOf(ended.access_token).sid}`;
    await expectStatus(t.request(url, bearer(here.access_token, { method: "DELETE" })), 204, "DELETE");
    return { stale: { "the ended session's": ended.access_token }, live: here.access_token };
  },
  "POST /auth/logout": async (t) => {
    const user = await insertedUser(t.database.db, "logged-out", { passwords: t.deps.passwords, verified: true });
    const earlier = await signIn(t, user.email);
    const renewed = await refresh(t, earlier.refresh_token);
    assertEquals(renewed.status, 200);
    const out: TokenPair = await renewed.json();
    const other = await signIn(t, user.email);
    await warm(t, earlier, out, other);
    await expectStatus(t.request("/auth/logout", bearer(out.access_token, { method: "POST" })), 204, "logout");
    // The session ends, not just the token: the one issued before the refresh dies with it
    return {
      stale: { "the logged-out": out.access_token, "the same session's earlier": earlier.access_token },
      live: other.access_token,
    };
  },
  "POST /auth/logout-all": async (t) => {
    const user = await insertedUser(t.database.db, "logged-out-everywhere", {
      passwords: t.deps.passwords,
      verified: true,
    });
    const here = await signIn(t, user.email);
    const elsewhere = await signIn(t, user.email);
    await warm(t, here, elsewhere);
    await expectStatus(t.request("/auth/logout-all", bearer(here.access_token, { method: "POST" })), 204, "logout");
    return {
      stale: { "this session's": here.access_token, "another session's": elsewhere.access_token },
      live: (await signIn(t, user.email)).access_token,
    };
  },
};

/** Checks the tokens on a route that does not read the user, so their "valid" answers are cached. */
async function warm(t: TestApp, ...pairs: TokenPair[]): Promise<void> {
  for (const pair of pairs) await expectStatus(t.request("/auth/sessions", bearer(pair.access_token)), 200, "warm");
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
  for (const [revocation, revoke] of Object.entries(REVOCATIONS)) {
    Deno.test(`${revocation} (${label}): the revoked access tokens get 401 on every bearer route of the spec and introspect as inactive`, async () => {
      const t = await createTestApp({ ...options, database, env: ADMIN_TEST_ENV });
      try {
        const key = await adminKey(t, ["tokens:introspect"]);
        const spec = await (await t.request("/openapi.json")).json();
        const bearerOperations = specOperations(spec).filter((operation) => requiresScheme(operation, "bearerAuth"));
        assert(bearerOperations.length >= 10, `${bearerOperations.length} bearer operations`);

        const answers: string[] = [];
        const expected: string[] = [];
        // A user of its own for each operation: a token that got through could end the session the next one uses
        for (const operation of bearerOperations) {
          const { stale } = await revoke(t);
          for (const [whose, token] of Object.entries(stale)) {
            const { url, init } = exampleRequest(operation, { Authorization: `Bearer ${token}` });
            const response = await t.request(url, init);
            const body = await response.json().catch(() => undefined);
            const what = `${operation.method} ${operation.path} with ${whose} token`;
            answers.push(`${what} → ${response.status} ${body?.code}`);
            expected.push(`${what} → 401 invalid_token`);
          }
        }
        assertEquals(answers, expected);

        const { stale, live } = await revoke(t);
        for (const [whose, token] of Object.entries(stale)) {
          assertEquals((await introspect(t, key, token)).body, { active: false }, `${whose} token introspected`);
        }
        // The refusals are the tokens', not the routes': a token the revocation spared passes the same checks
        await expectStatus(t.request("/auth/sessions", bearer(live)), 200, "the spared token");
        const spared = await introspect(t, key, live);
        assertEquals([spared.body.active, spared.body.sid], [true, claimsOf(live).sid]);
      } finally {
        await t.close();
      }
    });
  }

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
