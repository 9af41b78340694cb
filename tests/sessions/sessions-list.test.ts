import { assert, assertEquals } from "../helpers/assert.ts";
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer, jsonBody, statusOf } from "../helpers/http.ts";
import { getMe, MANY_REQUESTS_ENV, refresh } from "./_helpers.ts";
import { claimsOf } from "../helpers/claims.ts";

Deno.test("session list and revocation", async (t) => {
  const testApp = await createTestApp({ env: MANY_REQUESTS_ENV });
  const { db } = testApp.database;
  const list = async (accessToken: string) => {
    const response = await testApp.request("/auth/sessions", bearer(accessToken));
    assertEquals(response.status, 200);
    return (await response.json()).sessions as Array<Record<string, unknown>>;
  };
  const revoke = (accessToken: string, id: string) =>
    testApp.request(`/auth/sessions/${id}`, bearer(accessToken, { method: "DELETE" }));
  try {
    await t.step("GET /auth/sessions lists the active sessions and marks the current one", async () => {
      const user = await insertedUser(db, "list");
      const phone = await newSession(testApp, user, "Phone/1.0");
      const laptop = await newSession(testApp, user, "Laptop/1.0");
      await (await refresh(testApp, laptop.refresh_token, "Laptop/1.1")).body?.cancel();

      const sessions = await list(phone.access_token);
      assertEquals(sessions.length, 2);
      const current = sessions.find((session) => session.current);
      assertEquals(current?.id, claimsOf(phone.access_token).sid);
      assertEquals(current?.user_agent, "Phone/1.0");
      const other = sessions.find((session) => !session.current)!;
      assertEquals([other.id, other.user_agent, other.ip], [
        claimsOf(laptop.access_token).sid,
        "Laptop/1.1",
        "127.0.0.1",
      ]);
      assertEquals(Object.keys(other).sort(), [
        "aal",
        "amr",
        "auth_time",
        "created_at",
        "current",
        "device",
        "id",
        "ip",
        "known_device",
        "last_used_at",
        "method",
        "name",
        "user_agent",
      ]);
      assert(!Number.isNaN(Date.parse(other.last_used_at as string)));
    });

    await t.step("DELETE /auth/sessions/{id} revokes that session's tokens and drops it from the list", async () => {
      const user = await insertedUser(db, "revoke");
      const phone = await newSession(testApp, user, "Phone/1.0");
      const lost = await newSession(testApp, user, "Lost/1.0");
      assertEquals(await statusOf(getMe(testApp, lost.access_token)), 200);

      assertEquals(await statusOf(revoke(phone.access_token, claimsOf(lost.access_token).sid)), 204);
      assertEquals(await statusOf(getMe(testApp, lost.access_token)), 401);
      assertEquals(await statusOf(refresh(testApp, lost.refresh_token)), 401);
      assertEquals((await list(phone.access_token)).map((session) => session.id), [claimsOf(phone.access_token).sid]);
      assertEquals(await statusOf(revoke(phone.access_token, claimsOf(lost.access_token).sid)), 404, "already ended");
    });

    await t.step("another user's session id and an unknown id are 404 not_found; a malformed id is 422", async () => {
      const alice = await insertedUser(db, "alice");
      const bob = await insertedUser(db, "bob");
      const alicePair = await newSession(testApp, alice);
      const bobPair = await newSession(testApp, bob);

      const withoutRequestId = async (response: Response) => {
        const { request_id: _ignored, ...rest } = await response.json();
        return rest;
      };
      const foreign = await revoke(alicePair.access_token, claimsOf(bobPair.access_token).sid);
      const unknown = await revoke(alicePair.access_token, crypto.randomUUID());
      assertEquals([foreign.status, unknown.status], [404, 404]);
      const foreignBody = await withoutRequestId(foreign);
      assertEquals(foreignBody.code, "not_found");
      assertEquals(foreignBody, await withoutRequestId(unknown), "another user's id looks exactly like an unknown one");
      assertEquals(await statusOf(getMe(testApp, bobPair.access_token)), 200, "bob's session survived");

      const malformed = await revoke(alicePair.access_token, "not-a-uuid");
      assertEquals(malformed.status, 422);
      assertEquals((await malformed.json()).code, "validation_failed");
    });
  } finally {
    await testApp.close();
  }
});

Deno.test("sessions store only valid IPs: a forwarded entry is parsed, anything else is the socket address", async () => {
  const testApp = await createTestApp({ env: { ...MANY_REQUESTS_ENV, TRUST_PROXY: "1" } });
  const proxy = "10.0.0.2";
  const refreshFrom = async (refreshToken: string, forwarded: string) => {
    const init = jsonBody({ refresh_token: refreshToken }, { "X-Forwarded-For": forwarded });
    const response = await testApp.request("/auth/refresh", init, proxy);
    assertEquals(response.status, 200);
    return await response.json();
  };
  const ipOf = async (accessToken: string) => {
    const response = await testApp.request("/auth/sessions", bearer(accessToken), proxy);
    return (await response.json()).sessions[0].ip;
  };
  try {
    const pair = await newSession(testApp, await insertedUser(testApp.database.db, "forwarded"));
    const first = await refreshFrom(pair.refresh_token, `192.0.2.1, ${"x".repeat(4096)}`);
    assertEquals(await ipOf(first.access_token), proxy, "4 KB of junk is not an address: the socket's is stored");
    const second = await refreshFrom(first.refresh_token, "[2001:DB8:0::7]:443");
    assertEquals(await ipOf(second.access_token), "2001:db8::7");
    const third = await refreshFrom(second.refresh_token, "::ffff:198.51.100.7");
    assertEquals(await ipOf(third.access_token), "198.51.100.7");
  } finally {
    await testApp.close();
  }
});
