/**
 * Nothing unproven lives forever: pending sign-ups expire after PENDING_SIGNUP_TTL_DAYS, taking
 * an unverified account along with its last one, known devices go once unused for the session
 * lifetime, and an address only an unverified sign-up holds does not block a verified account
 * from moving to it. Time moves by the injected clock; PostgreSQL with TEST_DATABASE_URL.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { otpOf } from "../helpers/smtp.ts";
import { PENDING_SIGNUP_TTL_DAYS } from "../../src/repositories/housekeeping.ts";
import { startHousekeeping } from "../../src/services/housekeeping.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "./_helpers.ts";
import { PASSWORD, signedInAccount, uniqueEmail } from "../helpers/accounts.ts";
import { postAs, postJson } from "../helpers/http.ts";
import { mailWithSubject } from "../selfservice/_helpers.ts";

const { database, smtp } = await accountsBackends();
const { db } = database;
const DAY_MS = 86_400_000;

async function signUp(app: AccountsApp, email: string, password = "a stranger's password") {
  const response = await postJson(app, "/auth/signup", { email, password });
  assertEquals(response.status, 201);
  await response.body?.cancel();
}

async function rowsOf(email: string) {
  const user = await db.selectFrom("users").select(["id", "email_verified"]).where("email_normalized", "=", email)
    .executeTakeFirst();
  const signups = user
    ? await db.selectFrom("pending_signups").select("id").where("user_id", "=", user.id).execute()
    : [];
  return { user: user !== undefined, signups: signups.length };
}

function housekeepingOf(app: AccountsApp) {
  return startHousekeeping({ db, clock: app.clock, logger: app.logger, intervalMs: DAY_MS * 365 });
}

Deno.test("housekeeping: pending sign-ups expire after 7 days, and an unverified account with its last one; verified accounts stay", async () => {
  const app = await accountsApp(database, smtp);
  const housekeeping = housekeepingOf(app);
  try {
    assertEquals(PENDING_SIGNUP_TTL_DAYS, 7);
    const abandoned = uniqueEmail("abandoned");
    const renewed = uniqueEmail("renewed");
    await signUp(app, abandoned);
    await signUp(app, renewed);
    await app.deliverMail();
    const { email: verified } = await signedInAccount(app, { label: "verified" });
    app.clock.advance(6 * DAY_MS);
    await signUp(app, renewed, "a later password");

    app.clock.advance(DAY_MS - 60_000);
    await housekeeping.runOnce();
    assertEquals(await rowsOf(abandoned), { user: true, signups: 1 }, "nothing is 7 days old yet");

    app.clock.advance(2 * 60_000);
    const report = await housekeeping.runOnce();
    assertEquals(await rowsOf(abandoned), { user: false, signups: 0 }, "the address is free again");
    assertEquals(await rowsOf(renewed), { user: true, signups: 1 }, "a sign-up under 7 days old keeps its account");
    assertEquals(await rowsOf(verified), { user: true, signups: 0 });
    assert(report.pending_signups >= 2 && report.unverified_users >= 1, JSON.stringify(report));

    // The freed address can be signed up and verified afresh
    await signUp(app, abandoned, PASSWORD);
    await app.deliverMail();
    const otp = otpOf((await smtp.waitForMail(abandoned, 2))[1]);
    assertEquals((await postJson(app, "/auth/verify-email", { email: abandoned, otp })).status, 200);
  } finally {
    await housekeeping.stop();
    await app.close();
  }
});

Deno.test("housekeeping: a known device unused for the session lifetime is forgotten, a used one stays", async () => {
  const app = await accountsApp(database, smtp);
  const housekeeping = housekeepingOf(app);
  try {
    const { email } = await signedInAccount(app, { label: "devices" });
    const user = await db.selectFrom("users").select("id").where("email_normalized", "=", email)
      .executeTakeFirstOrThrow();
    const devices = () => db.selectFrom("known_devices").select("id").where("user_id", "=", user.id).execute();
    assertEquals((await devices()).length, 1, "the first sign-in remembered its device");
    const lifetimeMs = app.deps.config.sessionMaxLifetimeSeconds * 1000;
    app.clock.advance(lifetimeMs / 2);
    const later = await postJson(app, "/auth/signin", { email, password: PASSWORD });
    assertEquals(later.status, 200);
    await later.body?.cancel();
    assertEquals((await devices()).length, 2);

    app.clock.advance(lifetimeMs / 2 + 60_000);
    const report = await housekeeping.runOnce();
    assert(report.known_devices >= 1, JSON.stringify(report));
    assertEquals((await devices()).length, 1, "the device unused since the first sign-in went, the other stays");
  } finally {
    await housekeeping.stop();
    await app.close();
  }
});

Deno.test("POST /auth/change-email to an address only an unverified sign-up holds: the code goes there and confirming moves the account", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const squatted = uniqueEmail("squatted");
    await signUp(app, squatted, "the squatter's password");
    await app.deliverMail();
    const { tokens } = await signedInAccount(app, { label: "mover" });
    const requested = await postAs(app, "/auth/change-email", tokens.access_token, {
      current_password: PASSWORD,
      new_email: squatted,
    });
    assertEquals(requested.status, 202);
    await requested.body?.cancel();
    const otp = otpOf(await mailWithSubject(app, smtp, squatted, "Confirm your new Jessy AI address"));
    const confirmed = await postAs(app, "/auth/confirm-email-change", tokens.access_token, { otp });
    assertEquals(confirmed.status, 200, await confirmed.clone().text());
    const body = await confirmed.json();
    assertEquals([body.email, body.email_verified], [squatted, true]);
    const squatter = await postJson(app, "/auth/signin", { email: squatted, password: "the squatter's password" });
    assertEquals(squatter.status, 401, "the squatter's sign-up is gone");
    await squatter.body?.cancel();
    const owner = await postJson(app, "/auth/signin", { email: squatted, password: PASSWORD });
    assertEquals(owner.status, 200);
    await owner.body?.cancel();
  } finally {
    await app.close();
  }
});
