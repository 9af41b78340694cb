import { createTestDatabase } from "../helpers/database.ts";
import { assertEquals } from "../helpers/assert.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";
import { postJson } from "../helpers/http.ts";
import { webhooksApp } from "./_helpers.ts";

const database = await createTestDatabase();

Deno.test("POST /auth/signup queues user.created once per account: a repeated sign-up of the same unverified address is audited again but not announced", async () => {
  const app = await webhooksApp(database);
  try {
    const endpoint = await app.subscribe("https://hooks.example.com/created", ["user.created"]);
    const email = uniqueEmail("twice");
    const other = uniqueEmail("other");
    for (const address of [email, email.toUpperCase(), other, email]) {
      assertEquals((await postJson(app, "/auth/signup", { email: address, password: PASSWORD })).status, 201);
    }
    const users = await database.db.selectFrom("users").select(["id", "email"]).where("email", "in", [email, other])
      .execute();
    const queued = await database.db.selectFrom("webhook_deliveries").select(["user_id", "event_type"])
      .where("endpoint_id", "=", endpoint.id).orderBy("seq").execute();
    const idOf = (address: string) => users.find((user) => user.email === address)?.id ?? null;
    assertEquals(queued, [
      { user_id: idOf(email), event_type: "user.created" },
      { user_id: idOf(other), event_type: "user.created" },
    ]);
    const signups = await database.db.selectFrom("security_events").select("user_id")
      .where("type", "=", "signup").where("user_id", "=", idOf(email) ?? "").execute();
    assertEquals(signups.length, 3, "every sign-up is still in the audit trail");
  } finally {
    await app.close();
  }
});
