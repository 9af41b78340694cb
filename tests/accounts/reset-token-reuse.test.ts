import { ManualClock } from "../../src/clock.ts";
import { createPasswordHasher, type PasswordHasher } from "../../src/services/accounts/credentials/passwords.ts";
import { RESET_TOKEN_TTL_MS } from "../../src/services/accounts/credentials/reset-tokens.ts";
import { postJson } from "../helpers/http.ts";
import { assertEquals } from "../helpers/assert.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "./_helpers.ts";
import { signedInAccount, signIn } from "../helpers/accounts.ts";
import { mailWithSubject, tokenIn } from "../selfservice/_helpers.ts";

const { database, smtp } = await accountsBackends();
const NEW_PASSWORD = "a brand new passphrase";

/** Requests a reset for the address and returns the token its mail carries. */
async function mailedResetToken(app: AccountsApp, email: string): Promise<string> {
  assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
  return tokenIn(await mailWithSubject(app, smtp, email, "Reset your Jessy AI password"), "reset");
}

Deno.test("POST /auth/reset-password: a token used once is refused when sent again within its lifetime, before its password is judged", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "reset-twice" });
    const token = await mailedResetToken(app, email);
    const first = await postJson(app, "/auth/reset-password", { token, new_password: NEW_PASSWORD });
    assertEquals(first.status, 200);
    await first.body?.cancel();

    app.clock.advance(60_000); // a minute on: the token's 15 minutes have not run out
    // A common password would be a 422: a used token must be refused before the password is looked at
    for (const new_password of ["another new passphrase", "password1"]) {
      const again = await postJson(app, "/auth/reset-password", { token, new_password });
      assertEquals([again.status, (await again.json()).code], [400, "invalid_reset_token"], new_password);
    }
    await signIn(app, email, NEW_PASSWORD); // the first use's password stands
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/reset-password: an expired token is refused before its password is judged", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email } = await signedInAccount(app, { label: "reset-expired" });
    const token = await mailedResetToken(app, email);
    app.clock.advance(RESET_TOKEN_TTL_MS);
    const response = await postJson(app, "/auth/reset-password", { token, new_password: "password1" });
    assertEquals([response.status, (await response.json()).code], [400, "invalid_reset_token"]);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/reset-password: a token that expires while the new password is hashed is refused", async () => {
  const real = createPasswordHasher({ cost: 4 });
  const clock = new ManualClock();
  let expireWhileHashing = false;
  const passwords: PasswordHasher = {
    verify: (password, hash) => real.verify(password, hash),
    check: (password, hash) => real.check(password, hash),
    hash(password) {
      // The token was live when it was looked up; it is not when it is used
      if (expireWhileHashing) clock.advance(RESET_TOKEN_TTL_MS);
      return real.hash(password);
    },
  };
  const app = await accountsApp(database, smtp, { passwords, clock });
  try {
    const { email } = await signedInAccount(app, { label: "reset-expiring" });
    const token = await mailedResetToken(app, email);
    expireWhileHashing = true;
    const response = await postJson(app, "/auth/reset-password", { token, new_password: NEW_PASSWORD });
    assertEquals([response.status, (await response.json()).code], [400, "invalid_reset_token"]);
    expireWhileHashing = false;
    await signIn(app, email); // the password did not change
  } finally {
    await app.close();
  }
});
