/**
 * Pre-verification takeover: whoever reads the mailbox decides the password. Each sign-up of
 * an unverified address gets a code of its own, and verifying with it applies that sign-up's
 * password and name — whatever other sign-ups of the address came before or after, by people
 * who cannot read the mailbox. Runs on PGlite, or on PostgreSQL with TEST_DATABASE_URL.
 */
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { postJson } from "../helpers/http.ts";
import { otpOf, type ReceivedMail } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "./_helpers.ts";
import { uniqueEmail } from "../helpers/accounts.ts";

const { database, smtp } = await accountsBackends();

const STRANGER = "stranger's password A";
const STRANGER_AGAIN = "stranger's password A2";
const OWNER = "owner's password B";

/** "2026-11-29 at 08:05:09 UTC": how a code mail names the moment of its sign-up. */
function named(at: Date): string {
  return `made on ${at.toISOString().slice(0, 10)} at ${at.toISOString().slice(11, 19)} UTC`;
}

/** Signs up and returns the code mail this sign-up produced (the newest mail to the address). */
async function signUp(app: AccountsApp, email: string, password: string, name?: string): Promise<ReceivedMail> {
  const before = smtp.inbox(email).length;
  const at = app.clock.now();
  assertEquals((await postJson(app, "/auth/signup", { email, password, ...(name ? { name } : {}) })).status, 201);
  assertEquals(await app.deliverMail(), 1, "every sign-up mails a code of its own, at once");
  const mails = await smtp.waitForMail(email, before + 1);
  const mail = mails[mails.length - 1];
  assert(mail.text.includes(named(at)), `the mail names when its sign-up was made:\n${mail.text}`);
  return mail;
}

async function signinStatus(app: AccountsApp, email: string, password: string): Promise<number> {
  const response = await postJson(app, "/auth/signin", { email, password });
  await response.body?.cancel();
  return response.status;
}

async function profileName(app: AccountsApp, email: string, password: string): Promise<string | null> {
  const { access_token } = await (await postJson(app, "/auth/signin", { email, password })).json();
  const me = await app.request("/auth/me", { headers: { Authorization: `Bearer ${access_token}` } });
  return (await me.json()).name;
}

Deno.test("a stranger's earlier sign-up: the owner verifies with their own code, B signs in, A gets 401", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("before");
    await signUp(app, email, STRANGER, "Mallory");
    app.clock.advance(5 * 60_000);
    const ownMail = await signUp(app, email, OWNER, "Owner");
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(ownMail) })).status, 200);
    assertEquals(await signinStatus(app, email, OWNER), 200);
    assertEquals(await signinStatus(app, email, STRANGER), 401);
    assertEquals(await profileName(app, email, OWNER), "Owner", "the name of the verified sign-up, too");
    // That second sign-in mailed an activity notice: it goes out here, not in a later test's count
    await app.deliverMail();
  } finally {
    await app.close();
  }
});

Deno.test("a stranger signing up again after the owner kills nothing: the owner's code still applies B", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("after");
    await signUp(app, email, STRANGER);
    app.clock.advance(20_000);
    const ownMail = await signUp(app, email, OWNER);
    // Within the minute: the per-address mail throttle must not swallow these sign-ups' codes
    app.clock.advance(20_000);
    await signUp(app, email, STRANGER_AGAIN);
    app.clock.advance(20_000);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(ownMail) })).status, 200);
    assertEquals(await signinStatus(app, email, OWNER), 200);
    assertEquals(await signinStatus(app, email, STRANGER), 401);
    assertEquals(await signinStatus(app, email, STRANGER_AGAIN), 401);
    assertEquals(smtp.inbox(email).length, 3, "one code mail per sign-up");
  } finally {
    await app.close();
  }
});

Deno.test("resend: a fresh code per pending sign-up, each naming its sign-up; old codes dead; the owner's applies B", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("resend");
    const strangerAt = app.clock.now();
    await signUp(app, email, STRANGER);
    app.clock.advance(2 * 60_000);
    const ownerAt = app.clock.now();
    const firstOwnMail = await signUp(app, email, OWNER);
    // Both codes expire; the owner asks for new ones
    app.clock.advance(20 * 60_000);
    assertEquals((await postJson(app, "/auth/resend-email-verification-otp", { email })).status, 202);
    assertEquals(await app.deliverMail(), 2, "one mail per pending sign-up");
    const [forStranger, forOwner] = (await smtp.waitForMail(email, 4)).slice(2);
    assert(forStranger.text.includes(named(strangerAt)) && forOwner.text.includes(named(ownerAt)));
    assertEquals(
      (await postJson(app, "/auth/verify-email", { email, otp: otpOf(firstOwnMail) })).status,
      400,
      "the earlier code is dead",
    );
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(forOwner) })).status, 200);
    assertEquals(await signinStatus(app, email, OWNER), 200);
    assertEquals(await signinStatus(app, email, STRANGER), 401);
  } finally {
    await app.close();
  }
});

Deno.test("resend twice in a row re-binds nothing: codes stay bound to their sign-ups", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("rebind");
    const ownerAt = app.clock.now();
    await signUp(app, email, OWNER);
    app.clock.advance(61_000);
    await signUp(app, email, STRANGER);
    for (let round = 0; round < 2; round++) {
      app.clock.advance(61_000);
      assertEquals((await postJson(app, "/auth/resend-email-verification-otp", { email })).status, 202);
      assertEquals(await app.deliverMail(), 2);
    }
    const latest = smtp.inbox(email).slice(-2);
    const ownerMail = latest.find((mail) => mail.text.includes(named(ownerAt)));
    assert(ownerMail, "a reissued mail names the owner's sign-up");
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(ownerMail) })).status, 200);
    assertEquals(await signinStatus(app, email, OWNER), 200);
    assertEquals(await signinStatus(app, email, STRANGER), 401);
  } finally {
    await app.close();
  }
});

Deno.test("an address keeps its first 3 sign-ups; a guess spends an attempt on each live code, 5 kill them all", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("cap");
    const mails = [];
    for (let i = 0; i < 3; i++) mails.push(await signUp(app, email, `password number ${i}`));
    assertEquals((await postJson(app, "/auth/signup", { email, password: "password number 3" })).status, 201);
    assertEquals(await app.deliverMail(), 1, "the notice that the address is full, no code");
    const attempts = () =>
      database.db.selectFrom("email_otps").innerJoin("users", "users.id", "email_otps.user_id")
        .select("email_otps.attempts").where("users.email_normalized", "=", email).execute()
        .then((rows) => rows.map((row) => row.attempts));
    assertEquals(await attempts(), [0, 0, 0], "the fourth sign-up got no place and no code");
    const codes = new Set(mails.map(otpOf));
    const wrong = ["000000", "111111", "222222", "333333", "444444", "555555"].filter((code) => !codes.has(code));
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: wrong[0] })).status, 400);
    assertEquals(await attempts(), [1, 1, 1]);
    for (const otp of wrong.slice(1, 5)) await postJson(app, "/auth/verify-email", { email, otp });
    assertEquals(await attempts(), [5, 5, 5]);
    for (const mail of mails) {
      assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(mail) })).status, 400, "all dead");
    }
  } finally {
    await app.close();
  }
});

Deno.test("the oldest kept sign-up's code still verifies with its own password", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("oldest");
    const mails = [];
    for (let i = 0; i < 3; i++) mails.push(await signUp(app, email, `password number ${i}`));
    assertMatch(otpOf(mails[0]), /^\d{6}$/);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(mails[0]) })).status, 200);
    assertEquals(await signinStatus(app, email, "password number 0"), 200);
    for (const other of ["password number 1", "password number 2"]) {
      assertEquals(await signinStatus(app, email, other), 401);
    }
    const left = await database.db.selectFrom("pending_signups").innerJoin(
      "users",
      "users.id",
      "pending_signups.user_id",
    )
      .select("pending_signups.id").where("users.email_normalized", "=", email).execute();
    assertEquals(left.length, 0, "verification forgets the other sign-ups and their password hashes");
  } finally {
    await app.close();
  }
});
