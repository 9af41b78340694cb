import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { otpOf } from "../helpers/smtp.ts";
import { accountsApp, accountsBackends, bodyWithoutRequestId } from "../accounts/_helpers.ts";
import { PASSWORD, signedInAccount, signIn, uniqueEmail } from "../helpers/accounts.ts";
import { postAs, postJson, statusOf } from "../helpers/http.ts";
import { mailWithSubject, tokenIn } from "./_helpers.ts";
import { getMe, refresh } from "../sessions/_helpers.ts";

const { database, smtp } = await accountsBackends();

const CODE_SUBJECT = "Confirm your new Jessy AI address";
const TAKEN_SUBJECT = "Someone tried to move an account to your address";
const HEADS_UP_SUBJECT = "A change of your Jessy AI address was requested";
const CHANGED_SUBJECT = "Your Jessy AI address was changed";
const RESET_SUBJECT = "Reset your Jessy AI password";

Deno.test("POST /auth/change-email: a free and a taken address get the same 202; code to the new one, notice to the taken one's owner, heads-up to the old", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email: taken } = await signedInAccount(app, { label: "holder" });
    const first = await signedInAccount(app, { label: "mover-a" });
    const second = await signedInAccount(app, { label: "mover-b" });
    const free = uniqueEmail("free");
    const toTaken = await postAs(app, "/auth/change-email", first.tokens.access_token, {
      current_password: PASSWORD,
      new_email: taken.toUpperCase(),
    });
    const toFree = await postAs(app, "/auth/change-email", second.tokens.access_token, {
      current_password: PASSWORD,
      new_email: free,
    });
    assertEquals([toTaken.status, toFree.status], [202, 202]);
    assertEquals(toTaken.headers.get("content-type"), toFree.headers.get("content-type"));
    assertEquals(await bodyWithoutRequestId(toTaken), await bodyWithoutRequestId(toFree));

    const code = await mailWithSubject(app, smtp, free, CODE_SUBJECT);
    assertMatch(otpOf(code), /^\d{6}$/);
    const notice = await mailWithSubject(app, smtp, taken, TAKEN_SUBJECT);
    assert(!notice.text.includes(first.email), "the notice names nobody");
    assertEquals(smtp.inbox(taken).filter((mail) => mail.subject === CODE_SUBJECT).length, 0, "no code to a taken one");
    await mailWithSubject(app, smtp, first.email, HEADS_UP_SUBJECT);
    await mailWithSubject(app, smtp, second.email, HEADS_UP_SUBJECT);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/confirm-email-change moves the account; the old address's token reverts it and kills every session", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email: old, tokens } = await signedInAccount(app, { label: "old" });
    const other = await signIn(app, old);
    const fresh = uniqueEmail("new");
    assertEquals(
      await statusOf(
        postAs(app, "/auth/change-email", tokens.access_token, { current_password: PASSWORD, new_email: fresh }),
      ),
      202,
    );
    const otp = otpOf(await mailWithSubject(app, smtp, fresh, CODE_SUBJECT));
    const confirmed = await postAs(app, "/auth/confirm-email-change", tokens.access_token, { otp });
    assertEquals(confirmed.status, 200);
    const user = await confirmed.json();
    assertEquals([user.email, user.email_verified], [fresh, true]);
    const me = await (await getMe(app, tokens.access_token)).json();
    assertEquals(me.email, fresh);

    const atNew = await signIn(app, fresh);
    const atOld = await postJson(app, "/auth/signin", { email: old, password: PASSWORD });
    assertEquals(atOld.status, 401);
    assertEquals((await atOld.json()).code, "invalid_credentials");
    // Used once
    assertEquals(await statusOf(postAs(app, "/auth/confirm-email-change", tokens.access_token, { otp })), 400);

    const changed = await mailWithSubject(app, smtp, old, CHANGED_SUBJECT);
    assert(changed.text.includes(fresh), "the old address learns where the account went");
    const revertToken = tokenIn(changed, "revert");
    assert(changed.text.includes(`http://localhost:8000/account/revert-email-change#token=${revertToken}`));

    const reverted = await postJson(app, "/auth/revert-email-change", { token: revertToken });
    assertEquals(reverted.status, 200);
    assertEquals((await reverted.json()).email_change_reverted, true);
    for (const pair of [tokens, other, atNew]) {
      assertEquals(await statusOf(getMe(app, pair.access_token)), 401);
      assertEquals(await statusOf(refresh(app, pair.refresh_token)), 401);
    }
    assertEquals(await statusOf(postJson(app, "/auth/revert-email-change", { token: revertToken })), 400, "single use");
    // The password is gone too: only the reset mailed to the restored address opens the account
    assertEquals(await statusOf(postJson(app, "/auth/signin", { email: old, password: PASSWORD })), 401);
    assertEquals(await statusOf(postJson(app, "/auth/signin", { email: fresh, password: PASSWORD })), 401);
    const reset = await mailWithSubject(app, smtp, old, RESET_SUBJECT);
    const resetToken = tokenIn(reset, "reset");
    const done = await postJson(app, "/auth/reset-password", {
      token: resetToken,
      new_password: "taken back for good",
    });
    assertEquals(done.status, 200);
    await done.body?.cancel();
    await signIn(app, old, "taken back for good");

    const types = (await database.db.selectFrom("security_events").innerJoin("users", "users.id", "user_id")
      .select("type").where("users.email_normalized", "=", old).execute()).map((row) => row.type);
    for (const type of ["email_change_requested", "email_changed", "email_change_reverted"]) {
      assert(types.includes(type), `${type} recorded`);
    }
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/confirm-email-change: five wrong codes kill the change", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email, tokens } = await signedInAccount(app, { label: "guess" });
    const fresh = uniqueEmail("guessed");
    await postAs(app, "/auth/change-email", tokens.access_token, { current_password: PASSWORD, new_email: fresh });
    const otp = otpOf(await mailWithSubject(app, smtp, fresh, CODE_SUBJECT));
    const wrong = otp === "000000" ? "000001" : "000000";
    for (let i = 0; i < 5; i++) {
      const response = await postAs(app, "/auth/confirm-email-change", tokens.access_token, { otp: wrong });
      assertEquals(response.status, 400);
      assertEquals((await response.json()).code, "invalid_otp");
    }
    const late = await postAs(app, "/auth/confirm-email-change", tokens.access_token, { otp });
    assertEquals(late.status, 400, "the right code after five wrong ones");
    assertEquals((await late.json()).code, "invalid_otp");
    assertEquals((await (await getMe(app, tokens.access_token)).json()).email, email);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-email: a wrong password is 400 before anything is mailed; the own address is a 422", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email, tokens } = await signedInAccount(app, { label: "self" });
    const fresh = uniqueEmail("never");
    const wrong = await postAs(app, "/auth/change-email", tokens.access_token, {
      current_password: "nope nope nope",
      new_email: fresh,
    });
    assertEquals(wrong.status, 400);
    assertEquals((await wrong.json()).code, "invalid_current_password");
    const own = await postAs(app, "/auth/change-email", tokens.access_token, {
      current_password: PASSWORD,
      new_email: ` ${email.toUpperCase()} `,
    });
    assertEquals(own.status, 422);
    assertEquals((await own.json()).errors[0].path, "new_email");
    await app.deliverMail();
    assertEquals(smtp.inbox(fresh).length, 0);
  } finally {
    await app.close();
  }
});
