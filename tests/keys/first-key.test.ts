/**
 * The standby period (the JWKS max-age and a key refresh) lets key sets that resource servers
 * cached expire before a new key signs. A database for which no token was ever signed (a first
 * deployment with EdDSA or ES256) has no such reader: its first key activates at once. Once a
 * key has signed, or accounts exist (HS256 or the backend before this one signed for them),
 * every new key waits as before.
 */
import { ManualClock } from "../../src/clock.ts";
import { base64 } from "../../src/encoding.ts";
import { AppError } from "../../src/errors.ts";
import { createTestApp } from "../helpers/app.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { headerOf } from "../helpers/claims.ts";

const STANDBY_MS = 310_000;
const KEY_ENCRYPTION_KEY = base64(crypto.getRandomValues(new Uint8Array(32)));

async function refusedDuringStandby(activation: Promise<unknown>) {
  const error = await assertRejects(() => activation, AppError);
  assertEquals(error.code, "conflict");
  assert(error.message.includes("has not been published for 310 s"), error.message);
}

Deno.test("signing keys: on a database no token was signed for, the first key signs at once; the next one waits", async () => {
  const database = await createTestDatabase();
  const clock = new ManualClock(new Date("2026-12-01T09:00:00Z"));
  const app = await createTestApp({ env: { JWT_SIGNING_ALG: "EdDSA", KEY_ENCRYPTION_KEY }, database, clock });
  try {
    const first = (await app.deps.keys.generate("EdDSA")).kid;
    assertEquals((await app.deps.keys.activate(first)).state, "current", "no wait on a first deployment");
    const user = await insertedUser(database.db, "first-key");
    assertEquals(headerOf((await newSession(app, user)).access_token).kid, first);

    // A key has signed: a rotation waits for the key sets resource servers cached
    const second = (await app.deps.keys.generate("EdDSA")).kid;
    await refusedDuringStandby(app.deps.keys.activate(second));
    clock.advance(STANDBY_MS);
    assertEquals((await app.deps.keys.activate(second)).state, "current");
  } finally {
    await app.close();
    await database.close();
  }
});

Deno.test("signing keys: a database that already holds accounts (HS256 signed for them) makes the first key wait", async () => {
  const database = await createTestDatabase();
  const clock = new ManualClock(new Date("2026-12-01T09:00:00Z"));
  await insertedUser(database.db, "signed-with-hs256");
  const app = await createTestApp({ env: { JWT_SIGNING_ALG: "ES256", KEY_ENCRYPTION_KEY }, database, clock });
  try {
    const kid = (await app.deps.keys.generate("ES256")).kid;
    await refusedDuringStandby(app.deps.keys.activate(kid));
    clock.advance(STANDBY_MS - 1_000);
    await refusedDuringStandby(app.deps.keys.activate(kid));
    clock.advance(1_000);
    assertEquals((await app.deps.keys.activate(kid)).state, "current");
  } finally {
    await app.close();
    await database.close();
  }
});
