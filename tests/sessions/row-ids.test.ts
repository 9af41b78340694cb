import { sql } from "kysely";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { postAs } from "../helpers/http.ts";
import { MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { claimsOf } from "../helpers/claims.ts";

/** Milliseconds since 1970 in a version-7 UUID's first 48 bits, or undefined for another version. */
function timeOfV7(id: string): number | undefined {
  const hex = id.replaceAll("-", "");
  if (hex[12] !== "7" || !"89ab".includes(hex[16])) return undefined;
  return parseInt(hex.slice(0, 12), 16);
}

Deno.test("sessions, refresh tokens and security events get time-ordered ids (UUIDv7): new keys go to their indexes' newest pages", async () => {
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV });
  try {
    const user = await insertedUser(testApp.database.db, "row-ids");
    const before = Date.now();
    const first = await newSession(testApp, user);
    const rotated = await refresh(testApp, first.refresh_token);
    assertEquals(rotated.status, 200);
    const second = await rotated.json();
    assertEquals((await postAs(testApp, "/auth/logout", second.access_token)).status, 204);
    const after = Date.now();
    const [event] = await testApp.database.db.selectFrom("security_events").select("id")
      .where("user_id", "=", user.id).where("type", "=", "logout").execute();
    const ids = [
      claimsOf(first.refresh_token).sid,
      claimsOf(first.refresh_token).jti,
      claimsOf(second.refresh_token).jti,
      event.id,
    ];
    const times = ids.map(timeOfV7);
    for (const [index, time] of times.entries()) {
      assert(time !== undefined && time >= before && time <= after, `${ids[index]} is a v7 UUID of this sign-in`);
    }
    assert(ids[1] < ids[2], "the successor's id sorts after the token it replaced");
  } finally {
    await testApp.close();
  }
});

Deno.test("refresh_tokens keeps no index of token_hash: a refresh finds its row by id and compares the hash there", async () => {
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV });
  try {
    const { rows } = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where tablename = 'refresh_tokens' and schemaname = current_schema()`
      .execute(testApp.database.db);
    assert(rows.some((row) => row.indexdef.includes("(id)")), "the primary key is there");
    for (const { indexdef } of rows) assert(!indexdef.includes("token_hash"), `${indexdef} reads token_hash`);

    // Without the index the hash still decides: the right id with another token's hash is refused
    const user = await insertedUser(testApp.database.db, "hash-check");
    const pair = await newSession(testApp, user);
    const { jti } = claimsOf(pair.refresh_token);
    await testApp.database.db.updateTable("refresh_tokens").set({ token_hash: "0".repeat(64) }).where("id", "=", jti)
      .execute();
    assertEquals((await refresh(testApp, pair.refresh_token)).status, 401);
  } finally {
    await testApp.close();
  }
});
