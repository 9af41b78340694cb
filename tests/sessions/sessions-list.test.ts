import { createTestApp } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { bearer, createUser, getMe, MANY_REQUESTS_ENV, refresh, signIn, statusOf } from "./helpers.ts";

function sidOf(token: string): string {
  return JSON.parse(atob(token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/"))).sid;
}

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
      const user = await createUser(db, "list");
      const phone = await signIn(testApp, user, "Phone/1.0");
      const laptop = await signIn(testApp, user, "Laptop/1.0");
      await (await refresh(testApp, laptop.refresh_token, "Laptop/1.1")).body?.cancel();

      const sessions = await list(phone.access_token);
      assertEquals(sessions.length, 2);
      const current = sessions.find((session) => session.current);
      assertEquals(current?.id, sidOf(phone.access_token));
      assertEquals(current?.user_agent, "Phone/1.0");
      const other = sessions.find((session) => !session.current)!;
      assertEquals([other.id, other.user_agent, other.ip], [sidOf(laptop.access_token), "Laptop/1.1", "127.0.0.1"]);
      assertEquals(Object.keys(other).sort(), ["created_at", "current", "id", "ip", "last_used_at", "user_agent"]);
      assert(!Number.isNaN(Date.parse(other.last_used_at as string)));
    });

    await t.step("DELETE /auth/sessions/{id} revokes that session's tokens and drops it from the list", async () => {
      const user = await createUser(db, "revoke");
      const phone = await signIn(testApp, user, "Phone/1.0");
      const lost = await signIn(testApp, user, "Lost/1.0");
      assertEquals(await statusOf(getMe(testApp, lost.access_token)), 200);

      assertEquals(await statusOf(revoke(phone.access_token, sidOf(lost.access_token))), 204);
      assertEquals(await statusOf(getMe(testApp, lost.access_token)), 401);
      assertEquals(await statusOf(refresh(testApp, lost.refresh_token)), 401);
      assertEquals((await list(phone.access_token)).map((session) => session.id), [sidOf(phone.access_token)]);
      assertEquals(await statusOf(revoke(phone.access_token, sidOf(lost.access_token))), 404, "already ended");
    });

    await t.step("another user's session id and an unknown id are 404 not_found; a malformed id is 422", async () => {
      const alice = await createUser(db, "alice");
      const bob = await createUser(db, "bob");
      const alicePair = await signIn(testApp, alice);
      const bobPair = await signIn(testApp, bob);

      const withoutRequestId = async (response: Response) => {
        const { request_id: _ignored, ...rest } = await response.json();
        return rest;
      };
      const foreign = await revoke(alicePair.access_token, sidOf(bobPair.access_token));
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
