/**
 * GET /auth/me and PATCH /auth/me answer the same view of the signed-in user: the same fields,
 * formatted alike, whichever statement read the row.
 */
import { insertedUser, newSession } from "../helpers/accounts.ts";
import { createTestApp } from "../helpers/app.ts";
import { bearer } from "../helpers/http.ts";
import { getMe, MANY_REQUESTS_ENV } from "./_helpers.ts";
import { assertEquals } from "../helpers/assert.ts";

Deno.test("GET /auth/me and PATCH /auth/me: one CurrentUser view, the same fields for the same row", async () => {
  const app = await createTestApp({ env: MANY_REQUESTS_ENV });
  try {
    const user = await insertedUser(app.database.db, "current-user");
    const pair = await newSession(app, user);
    const read = await (await getMe(app, pair.access_token)).json();
    assertEquals(read, {
      id: user.id,
      email: user.email,
      name: user.name,
      email_verified: user.email_verified,
      created_at: user.created_at.toISOString(),
    });
    const patched = await app.request(
      "/auth/me",
      bearer(pair.access_token, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "Ada Lovelace" }),
      }),
    );
    assertEquals(patched.status, 200);
    assertEquals(await patched.json(), { ...read, name: "Ada Lovelace" });
    assertEquals(await (await getMe(app, pair.access_token)).json(), { ...read, name: "Ada Lovelace" });
  } finally {
    await app.close();
  }
});
