import { sql } from "kysely";
import { createLogger } from "../../src/logger.ts";
import { pseudonymOf } from "../../src/services/accounts/settings/erasure.ts";
import { startHousekeeping } from "../../src/services/housekeeping.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { otpOf } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp, accountsBackends, bodyWithoutRequestId } from "../accounts/_helpers.ts";
import { PASSWORD, signedInAccount, signIn, uniqueEmail } from "../helpers/accounts.ts";
import { postAs, postJson, statusOf } from "../helpers/http.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { mailWithSubject, tokenIn } from "./_helpers.ts";
import { getMe, refresh } from "../sessions/_helpers.ts";

const { database, smtp } = await accountsBackends();
const DAY_MS = 86_400_000;
const DELETION_SUBJECT = "Your Jessy AI account will be deleted";

function deleteAccount(app: AccountsApp, accessToken: string, password = PASSWORD) {
  return postAs(app, "/auth/delete-account", accessToken, { current_password: password });
}

Deno.test("POST /auth/delete-account: every token dies on both instances at once, sign-in answers as for an unknown address, the mailed token keeps the account", async () => {
  const cache = createTestCache(createLogger({ level: "error" }));
  const a = await accountsApp(database, smtp, { revocationCache: cache.cache });
  const b = await accountsApp(database, smtp, { revocationCache: cache.connect() });
  try {
    const { email, tokens } = await signedInAccount(a, { label: "leaver" });
    const onB = await signIn(b, email);
    for (const pair of [tokens, onB]) {
      assertEquals(await statusOf(getMe(a, pair.access_token)), 200);
      assertEquals(await statusOf(getMe(b, pair.access_token)), 200);
    }
    const wrong = await deleteAccount(a, tokens.access_token, "not my password");
    assertEquals(wrong.status, 400);
    assertEquals((await wrong.json()).code, "invalid_current_password");

    const deleted = await deleteAccount(a, tokens.access_token);
    assertEquals(deleted.status, 202);
    const { deletion_due_at } = await deleted.json();
    assertEquals(new Date(deletion_due_at).getTime() - a.clock.now().getTime(), 7 * DAY_MS);
    for (const app of [a, b]) {
      for (const pair of [tokens, onB]) {
        assertEquals(await statusOf(getMe(app, pair.access_token)), 401);
        assertEquals(await statusOf(refresh(app, pair.refresh_token)), 401);
      }
    }

    const asDeleted = await postJson(a, "/auth/signin", { email, password: PASSWORD });
    const asUnknown = await postJson(a, "/auth/signin", { email: uniqueEmail("nobody"), password: PASSWORD });
    assertEquals([asDeleted.status, asUnknown.status], [401, 401]);
    assertEquals(await bodyWithoutRequestId(asDeleted), await bodyWithoutRequestId(asUnknown));
    // Nor do the other account routes treat it as an account
    assertEquals(await statusOf(postJson(a, "/auth/request-password-reset", { email })), 202);
    await a.deliverMail();
    assertEquals(smtp.inbox(email).filter((mail) => mail.subject === "Reset your Jessy AI password").length, 0);

    const mail = await mailWithSubject(a, smtp, email, DELETION_SUBJECT);
    const token = tokenIn(mail, "cancel");
    assert(mail.text.includes(`http://localhost:8000/account/cancel-account-deletion#token=${token}`));
    const kept = await postJson(b, "/auth/cancel-account-deletion", { token });
    assertEquals(kept.status, 200);
    assertEquals((await kept.json()).account_kept, true);
    assertEquals(await statusOf(postJson(b, "/auth/cancel-account-deletion", { token })), 400, "single use");
    const back = await signIn(a, email);
    assertEquals(await statusOf(getMe(b, back.access_token)), 200);
    assertEquals(await statusOf(getMe(a, tokens.access_token)), 401, "old sessions stay ended");
  } finally {
    await a.close();
    await b.close();
    await cache.close();
  }
});

/** Every (table, column) whose foreign key references users.id. */
async function referencingColumns(): Promise<{ table: string; column: string }[]> {
  // pg_catalog, not information_schema: its views read every schema's constraints, which takes
  // seconds on a database where other test runs keep dozens of schemas
  const result = await sql<{ table: string; column: string }>`
    select t.relname as "table", a.attname as "column"
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
    where c.contype = 'f' and c.confrelid = 'users'::regclass
      and c.connamespace = current_schema()::regnamespace`.execute(database.db);
  return result.rows;
}

async function rowsOf(userId: string, email: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const columns = [...await referencingColumns(), { table: "users", column: "id" }, {
    table: "revoked_access_tokens",
    column: "user_id",
  }];
  for (const { table, column } of columns) {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
      where ${sql.ref(column)} = ${userId}::uuid`.execute(database.db);
    counts[`${table}.${column}`] = result.rows[0].n;
  }
  const mail = await sql<{ n: number }>`select count(*)::int as n from mail_outbox
    where lower(to_address) = ${email}`.execute(database.db);
  counts["mail_outbox.to_address"] = mail.rows[0].n;
  return counts;
}

Deno.test("POST /auth/delete-account: after the grace period housekeeping erases every row of the account; the address can sign up again", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { email, tokens } = await signedInAccount(app, { label: "erased" });
    const user = await database.db.selectFrom("users").select("id").where("email_normalized", "=", email)
      .executeTakeFirstOrThrow();
    // Something in every table: a second session, a reset token, an address change, the denylist
    const second = await signIn(app, email);
    assertEquals(await statusOf(postAs(app, "/auth/logout", second.access_token, {})), 204);
    assertEquals(await statusOf(postJson(app, "/auth/request-password-reset", { email })), 202);
    await postAs(app, "/auth/change-email", tokens.access_token, {
      current_password: PASSWORD,
      new_email: uniqueEmail("elsewhere"),
    });
    await app.deliverMail();
    assertEquals(await statusOf(deleteAccount(app, tokens.access_token)), 202);
    await mailWithSubject(app, smtp, email, DELETION_SUBJECT);
    const before = await rowsOf(user.id, email);
    for (const table of ["users.id", "sessions.user_id", "security_events.user_id", "account_tokens.user_id"]) {
      assert(before[table] > 0, `${table} has rows before`);
    }

    const housekeeping = startHousekeeping({
      db: database.db,
      clock: app.clock,
      logger: app.logger,
      config: app.deps.config,
      intervalMs: 3_600_000_000,
    });
    try {
      app.clock.advance(7 * DAY_MS - 60_000);
      assertEquals((await housekeeping.runOnce()).erased_accounts, 0, "not within the grace period");
      const early = await postJson(app, "/auth/signup", { email, password: "another passphrase" });
      assertEquals(early.status, 201);
      await app.deliverMail();
      assertEquals(smtp.inbox(email).filter((m) => m.subject === "Your Jessy AI verification code").length, 1, "taken");

      app.clock.advance(60_000);
      assertEquals((await housekeeping.runOnce()).erased_accounts, 1);
    } finally {
      await housekeeping.stop();
    }
    const after = await rowsOf(user.id, email);
    for (const [table, count] of Object.entries(after)) assertEquals(count, 0, `${table} has no rows after`);
    const kept = await database.db.selectFrom("security_events").select(["type", "user_id"])
      .where("user_pseudonym", "=", await pseudonymOf(app.deps.config, user.id)).execute();
    assertEquals(kept.length, before["security_events.user_id"], "every event is kept under the pseudonym");
    assert(kept.some((event) => event.type === "account_deletion_scheduled"));

    assertEquals(await statusOf(postJson(app, "/auth/signup", { email, password: "another passphrase" })), 201);
    await app.deliverMail();
    const codes = smtp.inbox(email).filter((m) => m.subject === "Your Jessy AI verification code");
    assertEquals(codes.length, 2);
    assertEquals(await statusOf(postJson(app, "/auth/verify-email", { email, otp: otpOf(codes[1]) })), 200);
    const reborn = await signIn(app, email, "another passphrase");
    assertEquals(await statusOf(getMe(app, reborn.access_token)), 200);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/delete-account: with ACCOUNT_DELETION_GRACE_DAYS=0 the account is erased before the answer", async () => {
  const app = await accountsApp(database, smtp, { env: { ACCOUNT_DELETION_GRACE_DAYS: "0" } });
  try {
    const { email, tokens } = await signedInAccount(app, { label: "at-once" });
    const response = await deleteAccount(app, tokens.access_token);
    assertEquals(response.status, 202);
    await response.body?.cancel();
    const left = await database.db.selectFrom("users").select("id").where("email_normalized", "=", email).execute();
    assertEquals(left.length, 0);
    await mailWithSubject(app, smtp, email, "Your Jessy AI account was deleted");
    assertEquals(await statusOf(getMe(app, tokens.access_token)), 401);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/cancel-account-deletion: an unknown token, or one past the grace period, is 400 invalid_account_token", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const unknown = await postJson(app, "/auth/cancel-account-deletion", { token: "no-such-token" });
    assertEquals(unknown.status, 400);
    assertEquals((await unknown.json()).code, "invalid_account_token");
    const { email, tokens } = await signedInAccount(app, { label: "too-late" });
    assertEquals(await statusOf(deleteAccount(app, tokens.access_token)), 202);
    const token = tokenIn(await mailWithSubject(app, smtp, email, DELETION_SUBJECT), "cancel");
    app.clock.advance(7 * DAY_MS);
    assertEquals(await statusOf(postJson(app, "/auth/cancel-account-deletion", { token })), 400);
  } finally {
    await app.close();
  }
});
