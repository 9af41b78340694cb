import { assertEquals } from "../helpers/assert.ts";
import { insertedUser, PASSWORD, signIn } from "../helpers/accounts.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { bearer, postAs } from "../helpers/http.ts";
import { startReceiver, webhooksApp } from "../webhooks/_helpers.ts";
import { codeNow, turnOnTotp } from "./_helpers.ts";

const database = await createTestDatabase();
Deno.test.afterAll(() => database.close());

Deno.test("POST /auth/mfa/totp/activate, POST /auth/mfa/disable and DELETE /admin/users/{id}/mfa reach a subscribed endpoint as signed user.mfa_enabled / user.mfa_disabled", async () => {
  const app = await webhooksApp(database);
  let secret = "";
  // Verifies every request's Standard Webhooks signature before recording it
  const receiver = startReceiver(() => secret);
  try {
    const endpoint = await app.subscribe(receiver.url, ["user.mfa_enabled", "user.mfa_disabled"]);
    secret = endpoint.secret;
    const user = await insertedUser(database.db, "hooked", { passwords: app.deps.passwords, verified: true });
    const { access_token: access } = await signIn(app, user.email);

    const first = await turnOnTotp(app, access);
    const disabled = await postAs(app, "/auth/mfa/disable", access, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, first.secret),
    });
    assertEquals(disabled.status, 204, await disabled.clone().text());
    // On again, then an administrator turns it off
    await turnOnTotp(app, access);
    const removed = await app.request(`/admin/users/${user.id}/mfa`, bearer(app.key, { method: "DELETE" }));
    assertEquals(removed.status, 204);

    while (await app.worker.runOnce() > 0) { /* until the outbox is empty */ }
    assertEquals(receiver.received.map((hook) => [hook.payload.type, hook.payload.data]), [
      ["user.mfa_enabled", { user_id: user.id }],
      ["user.mfa_disabled", { user_id: user.id }],
      ["user.mfa_enabled", { user_id: user.id }],
      ["user.mfa_disabled", { user_id: user.id }],
    ]);
    assertEquals(new Set(receiver.received.map((hook) => hook.id)).size, 4, "each event has its own webhook-id");
  } finally {
    await receiver.close();
    await app.close();
  }
});
