/**
 * EdDSA and ES256 key pairs on two instances sharing one database (and one revocation cache
 * when TEST_REDIS_URL is set): the life cycle standby → current → previous → retired |
 * revoked, enforced by the key service, under traffic. Time moves on a ManualClock.
 */
import { sql } from "kysely";
import { ManualClock } from "../../src/clock.ts";
import { base64 } from "../../src/encoding.ts";
import { AppError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import type { UserRow } from "../../src/db/schema.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { bearer, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "../sessions/_helpers.ts";
import { createAccessKeys } from "../../src/services/keys/key-ring.ts";
import { createKeySealer } from "../../src/services/keys/sealing.ts";
import { createKeyService } from "../../src/services/keys/service.ts";
import { createDatabaseRevocations } from "../../src/services/revocation/database-revocations.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { headerOf } from "../helpers/claims.ts";

const STANDBY_MS = 310_000;
const KEY_REFRESH_MS = 10_000;
/** Access-token lifetime (900 s) + key refresh (10 s) + skew (60 s) */
const PREVIOUS_MS = 970_000;
const KEY_ENCRYPTION_KEY = base64(crypto.getRandomValues(new Uint8Array(32)));

/** Awaits a refusal whose message says `fragment`. */
async function refused(fn: () => Promise<unknown>, fragment: string): Promise<Error> {
  const error = await assertRejects(fn, Error);
  assert(error.message.includes(fragment), error.message);
  return error;
}

/** One database for the module (PGlite takes seconds to start); each test starts with no signing key. */
const database = await createTestDatabase();
Deno.test.afterAll(() => database.close());

async function withoutSigningKeys(): Promise<void> {
  await sql`delete from signing_keys`.execute(database.db);
}

async function jwksKids(instance: TestApp): Promise<string[]> {
  const response = await instance.request("/.well-known/jwks.json");
  assertEquals(response.status, 200);
  assertEquals(response.headers.get("Cache-Control"), "public, max-age=300");
  const { keys } = await response.json() as { keys: Array<{ kid: string }> };
  return keys.map((key) => key.kid).sort();
}

for (const alg of ["EdDSA", "ES256"] as const) {
  Deno.test(`${alg} signing keys on two instances`, async (t) => {
    await withoutSigningKeys();
    const testCache = createTestCache(createLogger({ level: "error" }));
    const clock = new ManualClock(new Date("2026-11-29T09:00:00Z"));
    const env = { ...MANY_REQUESTS_ENV, JWT_SIGNING_ALG: alg, KEY_ENCRYPTION_KEY };
    const a = await createTestApp({ env, database, clock, revocationCache: testCache.cache });
    const b = await createTestApp({ env, database, clock, revocationCache: testCache.connect() });
    const user: UserRow = await insertedUser(database.db, `keys-${alg}`);
    const failures: string[] = [];
    let requests = 0;

    /** One round of traffic: a sign-in on each instance, each token checked on both, one refresh across. */
    async function traffic(label: string) {
      const expect200 = async (what: string, response: Promise<Response>) => {
        requests++;
        const status = await statusOf(response);
        if (status !== 200) failures.push(`${label}: ${what} answered ${status}`);
      };
      const pairs = await Promise.all([newSession(a, user), newSession(b, user)]);
      await Promise.all(pairs.flatMap((pair, i) => [
        expect200(`token from ${"ab"[i]} on a`, getMe(a, pair.access_token)),
        expect200(`token from ${"ab"[i]} on b`, getMe(b, pair.access_token)),
        expect200(`refresh from ${"ab"[i]} on ${"ba"[i]}`, refresh(i === 0 ? b : a, pair.refresh_token)),
      ]));
    }

    try {
      let first = "";
      await t.step(
        "a generated key is standby: published within a key refresh, activation refused before the standby period",
        async () => {
          first = (await a.deps.keys.generate(alg)).kid;
          assertEquals(await jwksKids(a), [first], "published at once by the instance that made it");
          clock.advance(KEY_REFRESH_MS);
          assertEquals(await jwksKids(b), [first], "and by every other within a key refresh");
          await refused(() => a.deps.keys.activate(first), "not been published for 310 s");
          clock.advance(STANDBY_MS - KEY_REFRESH_MS - 1_000);
          const early = await assertRejects(() => b.deps.keys.activate(first), AppError);
          assertEquals(early.code, "conflict");
          clock.advance(1_000);
          assertEquals((await b.deps.keys.activate(first)).state, "current");
        },
      );

      await t.step("tokens carry the current key's kid and alg and verify on both instances", async () => {
        clock.advance(KEY_REFRESH_MS);
        // A resource server fetches the JWKS from each instance: the current key is published
        for (const instance of [a, b]) assertEquals(await jwksKids(instance), [first]);
        for (const instance of [a, b]) {
          const pair = await newSession(instance, user);
          assertEquals(headerOf(pair.access_token), { alg, kid: first, typ: "at+jwt" });
          assertEquals(headerOf(pair.refresh_token).alg, "HS256", "refresh tokens stay HMAC");
        }
        await traffic("steady");
        assertEquals(failures, []);
      });

      let second = "";
      await t.step("standby → current under traffic on both instances: zero failed requests", async () => {
        second = (await a.deps.keys.generate(alg)).kid;
        for (let waited = 0; waited < STANDBY_MS; waited += 30_000) {
          await traffic(`standby +${waited / 1000} s`);
          clock.advance(30_000);
        }
        await traffic("just before activation");
        // Activated on A (as the CLI would) while both instances serve: B still signs with the old key
        await Promise.all([a.deps.keys.activate(second), traffic("activation")]);
        assertEquals(headerOf((await newSession(a, user)).access_token).kid, second);
        assertEquals(headerOf((await newSession(b, user)).access_token).kid, first, "B has not re-read the keys yet");
        await traffic("after activation");
        clock.advance(KEY_REFRESH_MS);
        await traffic("B notices");
        assertEquals(headerOf((await newSession(b, user)).access_token).kid, second);
        assertEquals(await jwksKids(a), [first, second].sort(), "the previous key stays published");
        for (let waited = 0; waited <= PREVIOUS_MS; waited += 60_000) {
          clock.advance(60_000);
          await traffic(`previous +${waited / 1000} s`);
        }
        assertEquals(failures, [], failures.join("\n"));
        assert(requests > 150, `${requests} requests`);
        const states = Object.fromEntries((await a.deps.keys.list()).map((key) => [key.kid, key.state]));
        assertEquals(states, { [first]: "retired", [second]: "current" }, "the previous key retired on its own");
        clock.advance(KEY_REFRESH_MS);
        assertEquals(await jwksKids(b), [second]);
      });

      await t.step("revoking a key: its tokens get 401 on both instances at once", async () => {
        const third = (await b.deps.keys.generate(alg)).kid;
        clock.advance(STANDBY_MS);
        const signedBySecond = await newSession(b, user);
        // Both instances have checked (and remembered, and cached) the token as valid
        for (const instance of [a, b]) assertEquals(await statusOf(getMe(instance, signedBySecond.access_token)), 200);
        await a.deps.keys.activate(third);
        await refused(() => a.deps.keys.revoke(third), "current key");
        await refused(() => a.deps.keys.revoke(second), "Instances may sign with");
        clock.advance(KEY_REFRESH_MS);
        assertEquals((await a.deps.keys.revoke(second)).state, "revoked");
        for (const instance of [a, b]) {
          assertEquals(await statusOf(getMe(instance, signedBySecond.access_token)), 401);
          // Without Redis GET /auth/me checks the key in its own statement; the other routes do not
          const sessions = instance.request("/auth/sessions", bearer(signedBySecond.access_token));
          assertEquals(await statusOf(sessions), 401, "GET /auth/sessions");
          assertEquals(await statusOf(getMe(instance, (await newSession(a, user)).access_token)), 200);
        }
        // Refresh tokens are HMAC: the session renews itself with the new key
        const renewed = await (await refresh(b, signedBySecond.refresh_token)).json();
        assertEquals(headerOf(renewed.access_token).kid, third);
        assertEquals(await jwksKids(a), [third]);
        await refused(() => a.deps.keys.activate(second), "Only a standby key");
        await refused(() => a.deps.keys.retire(third), "current key");
      });

      await t.step("an unknown kid is refused", async () => {
        const pair = await newSession(a, user);
        const [, payload, signature] = pair.access_token.split(".");
        const forgedHeader = btoa(JSON.stringify({ ...headerOf(pair.access_token), kid: "nope" }))
          .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
        assertEquals(await statusOf(getMe(b, `${forgedHeader}.${payload}.${signature}`)), 401);
      });
    } finally {
      await a.close();
      await b.close();
      await testCache.close();
    }
  });
}

Deno.test("with no current key pair: a sign-in is 503; production refuses to start, development makes a key", async () => {
  await withoutSigningKeys();
  const app = await createTestApp({ env: { JWT_SIGNING_ALG: "EdDSA", KEY_ENCRYPTION_KEY }, database });
  try {
    const user = await insertedUser(database.db, "no-key");
    const unavailable = await assertRejects(() => newSession(app, user), AppError);
    assertEquals(unavailable.code, "service_unavailable", "never an HS256 fallback");
    const config = { ...app.deps.config, environment: "production" as const };
    const { clock, logger } = app.deps;
    const sealer = createKeySealer(config);
    const accessKeys = createAccessKeys({ jwt: config.jwt, db: database.db, clock, logger, sealer });
    const revocations = createDatabaseRevocations(database.db, clock);
    const production = createKeyService({ config, db: database.db, clock, logger, accessKeys, sealer, revocations });
    await refused(() => production.ensureSigningKey(), "no EdDSA key is current");
    const kid = await app.deps.keys.ensureSigningKey();
    assertEquals(headerOf((await newSession(app, user)).access_token).kid, kid);
  } finally {
    await app.close();
  }
});
