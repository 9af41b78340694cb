import { assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { bearer, postAs, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, mfaToken, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

Deno.test("GET /auth/security-events lists mfa_enabled, mfa_challenge_failed, recovery_code_used, recovery_codes_regenerated and mfa_disabled as they happen", async () => {
  const app = await accountsApp(database, smtp, { env: { RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000" } });
  try {
    const account = await enrolledAccount(app, "events");
    const token = await mfaToken(app, account.email, PASSWORD);
    const wrong = codeNow(app, account.secret) === "000000" ? "111111" : "000000";
    const failed = await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: wrong });
    assertEquals(failed.status, 400);
    await failed.body?.cancel();
    // A second between changes, so the newest-first list has one order to show
    app.clock.advance(1000);
    const verified = await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: account.recoveryCodes[0] });
    assertEquals(verified.status, 200);
    const pair = await verified.json();
    app.clock.advance(1000);
    // The recovery code's sign-in is seconds old and at aal 2: it is the proof of both changes
    const regenerated = await postAs(app, "/auth/mfa/recovery-codes", pair.access_token, {});
    assertEquals(regenerated.status, 200, await regenerated.clone().text());
    await regenerated.body?.cancel();
    app.clock.advance(1000);
    const disabled = await postAs(app, "/auth/mfa/disable", pair.access_token, {});
    assertEquals(disabled.status, 204, await disabled.clone().text());

    const page = await (await app.request("/auth/security-events?limit=50", bearer(pair.access_token))).json();
    const types = (page.events as { type: string }[]).map((event) => event.type).reverse();
    const mfaTypes = new Set([
      "mfa_enabled",
      "mfa_challenge_failed",
      "recovery_code_used",
      "recovery_codes_regenerated",
      "mfa_disabled",
    ]);
    assertEquals(types.filter((type) => mfaTypes.has(type)), [
      "mfa_enabled",
      "mfa_challenge_failed",
      "recovery_code_used",
      "recovery_codes_regenerated",
      "mfa_disabled",
    ]);
  } finally {
    await app.close();
  }
});
