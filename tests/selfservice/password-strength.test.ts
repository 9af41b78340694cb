/**
 * The policy refuses what a strength estimator finds easy to guess, counting the address, the
 * account's name and the service's own name as words an attacker tries first, and says why on
 * the field.
 */
import { createPasswordPolicy } from "../../src/services/accounts/credentials/password-policy.ts";
import { postJson } from "../helpers/http.ts";
import { AppError } from "../../src/errors.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount, uniqueEmail } from "../helpers/accounts.ts";
import { mailWithSubject, tokenIn } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const EMAIL = "robin.hood@example.com";

Deno.test("the policy refuses guessable passwords with password_too_weak, naming the field and the reason", async () => {
  const policy = createPasswordPolicy();
  for (
    const password of [
      "JessyAI2026!",
      "Jessy2026!!",
      "Jessy-AI-2026",
      "aaaaaaaaaa",
      "12345678abcd",
      "p@ssword123",
      "qwertyuiop-1987",
    ]
  ) {
    const error = await assertRejects(() => policy.check(password, EMAIL, "new_password"), AppError);
    assertEquals([error.code, error.status], ["password_too_weak", 422], password);
    assertEquals(error.errors?.length, 1);
    assertEquals(error.errors?.[0].path, "new_password");
    assert(error.errors?.[0].message.startsWith("Too easy to guess: "), error.errors?.[0].message);
  }
  await policy.check("correct horse battery staple", EMAIL, "new_password");
});

Deno.test("a fullwidth spelling of a common password is that common password", async () => {
  const policy = createPasswordPolicy();
  const error = await assertRejects(() => policy.check("ｐａｓｓｗｏｒｄ１２３", EMAIL, "password"), AppError);
  assertEquals([error.code, error.errors?.[0].path], ["password_breached", "password"]);
});

Deno.test("the account's name counts as a guessable word", async () => {
  const policy = createPasswordPolicy();
  const password = "Wilhelmina Oyelaran-Kaczmarek 7";
  await policy.check(password, EMAIL, "password");
  const error = await assertRejects(
    () => policy.check(password, EMAIL, "password", "Wilhelmina Oyelaran-Kaczmarek"),
    AppError,
  );
  assertEquals(error.code, "password_too_weak");
});

Deno.test("POST /auth/signup, /auth/reset-password, /auth/change-password answer 422 password_too_weak on the field", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const signup = await postJson(app, "/auth/signup", { email: uniqueEmail("weak"), password: "JessyAI2026!" });
    assertEquals(signup.status, 422);
    assertEquals(signup.headers.get("Content-Type"), "application/problem+json");
    const body = await signup.json();
    assertEquals([body.code, body.errors[0].path], ["password_too_weak", "password"]);
    assert(body.errors[0].message.startsWith("Too easy to guess: "));

    const { email, tokens } = await signedInAccount(app, { label: "weak-reset" });
    assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
    const token = tokenIn(await mailWithSubject(app, smtp, email, "Reset your Jessy AI password"), "reset");
    const reset = await postJson(app, "/auth/reset-password", { token, new_password: "12345678abcd" });
    assertEquals(reset.status, 422);
    assertEquals((await reset.json()).errors[0], {
      path: "new_password",
      message: "Too easy to guess: this is similar to a commonly used password; add more words that are less common",
    });

    const change = await postJson(app, "/auth/change-password", {
      current_password: "correct horse battery",
      new_password: "aaaaaaaaaa",
    }, { Authorization: `Bearer ${tokens.access_token}` });
    assertEquals(change.status, 422);
    const changed = await change.json();
    assertEquals([changed.code, changed.errors[0].path], ["password_too_weak", "new_password"]);
  } finally {
    await app.close();
  }
});
