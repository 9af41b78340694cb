import { assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { adminKey } from "../admin/_helpers.ts";
import { uniqueEmail } from "../helpers/accounts.ts";
import { claimsOf } from "../helpers/claims.ts";
import { bearer, postJson } from "../helpers/http.ts";
import { mailWithSubject, moveAccount, SUBJECTS, tokenIn } from "../selfservice/_helpers.ts";
import { codeNow, enrolledAccount, mfaToken, nextStep, PASSWORD } from "./_helpers.ts";
import type { AccountsApp } from "../accounts/_helpers.ts";

const { database, smtp } = await accountsBackends();
const NEW_PASSWORD = "tangerine submarine orchestra 42";

/** The second step of a sign-in: a pair at aal 2. */
async function verifiedPair(app: AccountsApp, email: string, secret: string, password = PASSWORD) {
  const response = await postJson(app, "/auth/mfa/verify", {
    mfa_token: await mfaToken(app, email, password),
    code: codeNow(app, secret),
  });
  assertEquals(response.status, 200, await response.clone().text());
  nextStep(app);
  return await response.json();
}

Deno.test("POST /auth/confirm-email-change, POST /auth/revert-email-change and POST /admin/users/{id}/sign-out never lower aal or remove the factor", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "downgrade");
    const userId = claimsOf(account.tokens.access_token).sub as string;
    const pair = await verifiedPair(app, account.email, account.secret);

    // Change the address: the aal-2 session keeps its level through a refresh, and the new address still needs the factor
    const newEmail = uniqueEmail("downgrade-moved");
    const revertToken = await moveAccount(app, smtp, pair.access_token, {
      oldEmail: account.email,
      newEmail,
      mfaCode: codeNow(app, account.secret),
    });
    nextStep(app);
    const refreshed = await (await postJson(app, "/auth/refresh", { refresh_token: pair.refresh_token })).json();
    assertEquals([claimsOf(refreshed.access_token).aal, claimsOf(refreshed.access_token).amr], [2, ["pwd", "otp"]]);
    await mfaToken(app, newEmail, PASSWORD);

    // Revert it from the old address's mail: every session ends and the password is replaced; after the reset
    // mailed with it, the factor still guards the sign-in
    const reverted = await postJson(app, "/auth/revert-email-change", { token: revertToken });
    assertEquals(reverted.status, 200, await reverted.clone().text());
    await reverted.body?.cancel();
    const resetToken = tokenIn(await mailWithSubject(app, smtp, account.email, SUBJECTS.reset), "reset");
    const reset = await postJson(app, "/auth/reset-password", { token: resetToken, new_password: NEW_PASSWORD });
    assertEquals(reset.status, 200, await reset.clone().text());
    await reset.body?.cancel();
    await mfaToken(app, account.email, NEW_PASSWORD);

    // An administrator signs the user out everywhere: the factor stays
    const again = await verifiedPair(app, account.email, account.secret, NEW_PASSWORD);
    const key = await adminKey(app, ["users:write"]);
    const signedOut = await app.request(`/admin/users/${userId}/sign-out`, bearer(key, { method: "POST" }));
    assertEquals(signedOut.status < 300, true, `sign-out answered ${signedOut.status}`);
    await signedOut.body?.cancel();
    const dead = await app.request("/auth/me", bearer(again.access_token));
    assertEquals(dead.status, 401);
    await dead.body?.cancel();
    await mfaToken(app, account.email, NEW_PASSWORD);
    const factor = await database.db.selectFrom("totp_factors").select("activated_at").where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    assertEquals(factor.activated_at !== null, true, "the factor is still on");
  } finally {
    await app.close();
  }
});
