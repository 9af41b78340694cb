/**
 * The rules that make the owner's recovery win, one by one (the chains they stop are replayed in
 * recovery-chains.test.ts). The moves here are made through a session of the account, as a
 * hijacker holding the password would make them.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { PASSWORD, signedInAccount, signIn, uniqueEmail } from "../helpers/accounts.ts";
import { postAs, postJson, statusOf } from "../helpers/http.ts";
import { mailWithSubject, moveAccount, SUBJECTS, tokenIn } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const ENV = { RATE_LIMIT_SENSITIVE_PER_MINUTE: "10000" };
const DAY_MS = 86_400_000;

async function revert(app: AccountsApp, token: string): Promise<{ status: number; code?: string }> {
  const response = await postJson(app, "/auth/revert-email-change", { token });
  const body = await response.json();
  return { status: response.status, code: body.code };
}

async function cancelDeletion(app: AccountsApp, token: string): Promise<{ status: number; code?: string }> {
  const response = await postJson(app, "/auth/cancel-account-deletion", { token });
  const body = await response.json();
  return { status: response.status, code: body.code };
}

async function idOf(email: string): Promise<string> {
  const row = await database.db.selectFrom("users").select("id").where("email_normalized", "=", email)
    .executeTakeFirstOrThrow();
  return row.id;
}

function addressOf(userId: string) {
  return database.db.selectFrom("users").select(["email", "deletion_due_at"]).where("id", "=", userId)
    .executeTakeFirstOrThrow();
}

/** An account moved own → a1 → a2 through its session; the revert tokens mailed to own and a1. */
async function movedTwice(app: AccountsApp, label: string) {
  const { email: own, tokens } = await signedInAccount(app, { label: label });
  const id = await idOf(own);
  const [a1, a2] = [uniqueEmail(`${label}-a1`), uniqueEmail(`${label}-a2`)];
  const toOwn = await moveAccount(app, smtp, tokens.access_token, { oldEmail: own, newEmail: a1 });
  const toA1 = await moveAccount(app, smtp, tokens.access_token, { oldEmail: a1, newEmail: a2 });
  return { id, own, a1, a2, tokens, toOwn, toA1 };
}

Deno.test("POST /auth/revert-email-change: a revert retires every revert token issued after the one it used", async () => {
  const app = await accountsApp(database, smtp, { env: ENV });
  try {
    const { id, own, toOwn, toA1 } = await movedTwice(app, "retire-later");
    assertEquals(await revert(app, toOwn), { status: 200, code: undefined });
    assertEquals(await revert(app, toA1), { status: 400, code: "invalid_account_token" });
    assertEquals((await addressOf(id)).email, own);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/revert-email-change: a later revert token used first leaves the earlier one working, so the first address wins", async () => {
  const app = await accountsApp(database, smtp, { env: ENV });
  try {
    const { id, own, a1, toOwn, toA1 } = await movedTwice(app, "earlier-wins");
    assertEquals((await revert(app, toA1)).status, 200);
    assertEquals((await addressOf(id)).email, a1);
    assertEquals((await revert(app, toOwn)).status, 200);
    assertEquals((await addressOf(id)).email, own);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/revert-email-change: concurrent reverts with the first and the later token end at the first address", async () => {
  const app = await accountsApp(database, smtp, { env: ENV });
  try {
    for (let round = 0; round < 3; round++) {
      const { id, own, toOwn, toA1 } = await movedTwice(app, `race-${round}`);
      const outcomes = await Promise.all(
        round % 2 ? [revert(app, toA1), revert(app, toOwn)] : [
          revert(app, toOwn),
          revert(app, toA1),
        ],
      );
      assert(outcomes.some((outcome) => outcome.status === 200), JSON.stringify(outcomes));
      assertEquals((await addressOf(id)).email, own, `round ${round}: ${JSON.stringify(outcomes)}`);
      // Whichever ran second, the later token is spent or retired now
      assertEquals((await revert(app, toA1)).status, 400);
    }
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/revert-email-change during a pending deletion restores the address, keeps the account and retires its cancel tokens", async () => {
  const app = await accountsApp(database, smtp, { env: ENV });
  try {
    const { email: own, tokens } = await signedInAccount(app, { label: "revert-deleted" });
    const id = await idOf(own);
    const elsewhere = uniqueEmail("deleter");
    const toOwn = await moveAccount(app, smtp, tokens.access_token, { oldEmail: own, newEmail: elsewhere });
    assertEquals(
      await statusOf(postAs(app, "/auth/delete-account", tokens.access_token, { current_password: PASSWORD })),
      202,
    );
    const cancelAtElsewhere = tokenIn(await mailWithSubject(app, smtp, elsewhere, SUBJECTS.deletion), "cancel");

    assertEquals(await revert(app, toOwn), { status: 200, code: undefined });
    assertEquals(await addressOf(id), { email: own, deletion_due_at: null });
    assertEquals(await cancelDeletion(app, cancelAtElsewhere), { status: 400, code: "invalid_account_token" });
    const reset = tokenIn(await mailWithSubject(app, smtp, own, SUBJECTS.reset), "reset");
    assertEquals(
      await statusOf(postJson(app, "/auth/reset-password", { token: reset, new_password: "kept and mine" })),
      200,
    );
    await signIn(app, own, "kept and mine");
    const types = (await database.db.selectFrom("security_events").select("type").where("user_id", "=", id).execute())
      .map((row) => row.type);
    assert(types.includes("account_deletion_cancelled"), types.join(", "));
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/revert-email-change: past the deletion date it is refused and the token is not spent", async () => {
  const app = await accountsApp(database, smtp, { env: { ...ENV, ACCOUNT_DELETION_GRACE_DAYS: "1" } });
  try {
    const { email: own, tokens } = await signedInAccount(app, { label: "revert-too-late" });
    const id = await idOf(own);
    const toOwn = await moveAccount(app, smtp, tokens.access_token, { oldEmail: own, newEmail: uniqueEmail("gone") });
    assertEquals(
      await statusOf(postAs(app, "/auth/delete-account", tokens.access_token, { current_password: PASSWORD })),
      202,
    );
    app.clock.advance(DAY_MS);
    assertEquals(await revert(app, toOwn), { status: 400, code: "invalid_account_token" });
    const unspent = await database.db.selectFrom("account_tokens").select("id").where("user_id", "=", id)
      .where("purpose", "=", "email_change_revert").where("used_at", "is", null).execute();
    assertEquals(unspent.length, 1);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/delete-account: while a revert token lives the address it restores gets a cancel token too; using one retires the other", async () => {
  const app = await accountsApp(database, smtp, { env: ENV });
  try {
    const { email: own, tokens } = await signedInAccount(app, { label: "cancel-reaches" });
    const id = await idOf(own);
    const elsewhere = uniqueEmail("moved-then-deleted");
    await moveAccount(app, smtp, tokens.access_token, { oldEmail: own, newEmail: elsewhere });
    assertEquals(
      await statusOf(postAs(app, "/auth/delete-account", tokens.access_token, { current_password: PASSWORD })),
      202,
    );
    const atOwn = tokenIn(await mailWithSubject(app, smtp, own, SUBJECTS.deletion), "cancel");
    const atElsewhere = tokenIn(await mailWithSubject(app, smtp, elsewhere, SUBJECTS.deletion), "cancel");
    assert(atOwn !== atElsewhere, "each mail carries its own token");

    assertEquals(await cancelDeletion(app, atOwn), { status: 200, code: undefined });
    assertEquals(await addressOf(id), { email: elsewhere, deletion_due_at: null });
    assertEquals(await cancelDeletion(app, atElsewhere), { status: 400, code: "invalid_account_token" });
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/delete-account: once no revert token lives only the account's address is told", async () => {
  const app = await accountsApp(database, smtp, { env: ENV });
  try {
    const { email: own, tokens } = await signedInAccount(app, { label: "cancel-alone" });
    const elsewhere = uniqueEmail("settled");
    await moveAccount(app, smtp, tokens.access_token, { oldEmail: own, newEmail: elsewhere });
    app.clock.advance(7 * DAY_MS);
    const fresh = await signIn(app, elsewhere);
    assertEquals(
      await statusOf(postAs(app, "/auth/delete-account", fresh.access_token, { current_password: PASSWORD })),
      202,
    );
    await mailWithSubject(app, smtp, elsewhere, SUBJECTS.deletion);
    assertEquals(smtp.inbox(own).filter((mail) => mail.subject === SUBJECTS.deletion).length, 0);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-password and /auth/reset-password at the new address leave the revert token of the old address working", async () => {
  const app = await accountsApp(database, smtp, { env: ENV });
  try {
    const { email: own, tokens } = await signedInAccount(app, { label: "keeps-way-back" });
    const id = await idOf(own);
    const taken = uniqueEmail("taker");
    const toOwn = await moveAccount(app, smtp, tokens.access_token, { oldEmail: own, newEmail: taken });
    const changed = await postAs(app, "/auth/change-password", tokens.access_token, {
      current_password: PASSWORD,
      new_password: "the taker's passphrase",
    });
    assertEquals(changed.status, 200);
    await changed.body?.cancel();
    assertEquals(await statusOf(postJson(app, "/auth/request-password-reset", { email: taken })), 202);
    const reset = tokenIn(await mailWithSubject(app, smtp, taken, SUBJECTS.reset), "reset");
    assertEquals(
      await statusOf(postJson(app, "/auth/reset-password", { token: reset, new_password: "and another one" })),
      200,
    );

    assertEquals(await revert(app, toOwn), { status: 200, code: undefined });
    assertEquals((await addressOf(id)).email, own);
  } finally {
    await app.close();
  }
});
