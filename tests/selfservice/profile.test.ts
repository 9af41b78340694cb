/** The profile of the signed-in account: PATCH /auth/me. */
import { assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { statusOf } from "../helpers/http.ts";
import { getMe } from "../sessions/_helpers.ts";

const { database, smtp } = await accountsBackends();

Deno.test("PATCH /auth/me sets the name under sign-up's rules", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email, tokens } = await signedInAccount(app, { label: "profile" });
    const patch = (body: unknown) =>
      app.request("/auth/me", {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${tokens.access_token}` },
        body: JSON.stringify(body),
      });
    const ok = await patch({ name: "  Ada Lovelace " });
    assertEquals(ok.status, 200);
    const user = await ok.json();
    assertEquals([user.email, user.name], [email, "Ada Lovelace"]);
    assertEquals((await (await getMe(app, tokens.access_token)).json()).name, "Ada Lovelace");
    const bidi = await patch({ name: "gpj\u202Eexe" });
    assertEquals(bidi.status, 422);
    assertEquals((await bidi.json()).errors[0].path, "name");
    assertEquals(await statusOf(patch({ name: "" })), 422);
  } finally {
    await app.close();
  }
});
