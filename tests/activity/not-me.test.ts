/**
 * POST /auth/report-not-me, the one action of an activity mail: every session and token of the
 * account ends before the answer, its device tokens die, the password stops working, a reset is
 * mailed, and a second factor enrolled within 7 days goes (an older one stays). The token works
 * once, for 7 days; opening the page (GET) changes nothing.
 */
import { accountsApp, accountsBackends, bodyWithoutRequestId } from "../accounts/_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { PASSWORD, verifiedAccount } from "../helpers/accounts.ts";
import { jsonBody, postJson, statusOf } from "../helpers/http.ts";
import { getMe, refresh } from "../sessions/_helpers.ts";
import { mailWithSubject, SUBJECTS } from "../selfservice/_helpers.ts";
import { codeNow, enrolledAccount, nextStep } from "../mfa/_helpers.ts";
import { NOT_ME_TOKEN_TTL_MS } from "../../src/services/activity/activity-mail.ts";
import {
  ACTIVITY_ENV,
  activityMailsTo,
  countEvents,
  notMeTokenIn,
  SAFARI_ON_IPHONE,
  signInAs,
  userIdOf,
} from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const DAY = 24 * 60 * 60 * 1000;

/** An account signed in twice (the second from a new device): both pairs, and the not-me token its mail carries. */
async function reportedAccount(app: Awaited<ReturnType<typeof accountsApp>>, label: string) {
  const { email } = await verifiedAccount(app, { label });
  const owner = await signInAs(app, email, { userAgent: SAFARI_ON_IPHONE });
  const intruder = await signInAs(app, email, { ip: "192.0.2.66" });
  const [mail] = await activityMailsTo(app, smtp, email);
  return { email, owner, intruder, token: notMeTokenIn(mail) };
}

Deno.test("POST /auth/report-not-me ends every session and token, forgets the devices, stops the password, mails a reset", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email, owner, intruder, token } = await reportedAccount(app, "reported");
    const userId = await userIdOf(database, email);
    const response = await postJson(app, "/auth/report-not-me", { token });
    assertEquals(response.status, 200, await response.clone().text());
    assertEquals((await response.json()).signed_out, true);

    for (const pair of [owner, intruder]) {
      assertEquals(await statusOf(getMe(app, pair.access_token)), 401, "the access token is dead");
      assertEquals(await statusOf(refresh(app, pair.refresh_token)), 401, "the refresh token is dead");
    }
    const signin = await postJson(app, "/auth/signin", { email, password: PASSWORD });
    assertEquals(signin.status, 401, "the password stopped working");
    await signin.body?.cancel();
    assertEquals(await countEvents(database, userId, "suspicious_activity_reported"), 1);

    const reset = await mailWithSubject(app, smtp, email, SUBJECTS.reset);
    const resetToken = /reset-password#token=([A-Za-z0-9_-]+)/.exec(reset.text)![1];
    const newPassword = "the owner's own new passphrase";
    assertEquals(
      await statusOf(postJson(app, "/auth/reset-password", { token: resetToken, new_password: newPassword })),
      200,
    );
    // The owner's device token died with the report: the next sign-in from it is a new device
    const before = await countEvents(database, userId, "new_device_signin");
    await signInAs(app, email, { deviceToken: owner.device_token, password: newPassword });
    assertEquals(await countEvents(database, userId, "new_device_signin"), before + 1);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/report-not-me: the token works once, for 7 days; used, expired and unknown tokens get one 400", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const used = await reportedAccount(app, "usedtoken");
    assertEquals(await statusOf(postJson(app, "/auth/report-not-me", { token: used.token })), 200);
    const again = await app.request("/auth/report-not-me", jsonBody({ token: used.token }));
    const unknown = await app.request("/auth/report-not-me", jsonBody({ token: "A".repeat(43) }));
    const expired = await reportedAccount(app, "expired");
    app.clock.advance(NOT_ME_TOKEN_TTL_MS + 1000);
    const late = await app.request("/auth/report-not-me", jsonBody({ token: expired.token }));
    const bodies = [
      await bodyWithoutRequestId(again),
      await bodyWithoutRequestId(unknown),
      await bodyWithoutRequestId(late),
    ];
    assertEquals([again.status, unknown.status, late.status], [400, 400, 400]);
    assertEquals(JSON.parse(bodies[0]).code, "invalid_account_token");
    assertEquals(new Set(bodies).size, 1, "one answer for every refused token");
    assertEquals(await statusOf(getMe(app, expired.owner.access_token)), 401, "the clock moved past the access token");
    const signin = await postJson(app, "/auth/signin", { email: expired.email, password: PASSWORD });
    assertEquals(signin.status, 200, "an expired token changed nothing");
    await signin.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("GET /account/not-me with the token changes nothing: a link scanner spends no token and ends no session", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { owner, token } = await reportedAccount(app, "scanned");
    const page = await app.request(`/account/not-me?token=${token}`);
    assertEquals(page.status, 200);
    const html = await page.text();
    assert(html.includes("This wasn't me") || html.includes("This wasn&#39;t me"), "the page");
    assert(!html.includes(token), "the page never echoes a token");
    assertEquals(await statusOf(getMe(app, owner.access_token)), 200, "the session lives");
    assertEquals(await statusOf(postJson(app, "/auth/report-not-me", { token })), 200, "the token still works");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/report-not-me removes a second factor enrolled within 7 days; one enrolled earlier stays", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const recent = await enrolledAccount(app, "recentfactor");
    const enabledMail = (await activityMailsTo(app, smtp, recent.email)).at(-1)!;
    assert(enabledMail.text.includes("An authenticator app was just set up"), "the mfa_enabled mail");
    assertEquals(await statusOf(postJson(app, "/auth/report-not-me", { token: notMeTokenIn(enabledMail) })), 200);
    const recentId = await userIdOf(database, recent.email);
    const factor = await database.db.selectFrom("totp_factors").select("user_id").where("user_id", "=", recentId)
      .executeTakeFirst();
    assertEquals(factor, undefined, "the recent factor is gone");
    const codes = await database.db.selectFrom("recovery_codes").select("id").where("user_id", "=", recentId).execute();
    assertEquals(codes.length, 0, "its recovery codes too");

    const older = await enrolledAccount(app, "olderfactor");
    await activityMailsTo(app, smtp, older.email);
    app.clock.advance(8 * DAY);
    const first = await postJson(app, "/auth/signin", { email: older.email, password: PASSWORD });
    const { mfa_token } = await first.json();
    const verified = await postJson(app, "/auth/mfa/verify", { mfa_token, code: codeNow(app, older.secret) });
    assertEquals(verified.status, 200);
    await verified.body?.cancel();
    nextStep(app);
    const newDevice = (await activityMailsTo(app, smtp, older.email)).at(-1)!;
    assertEquals(newDevice.subject, "New sign-in to your Jessy AI account");
    assertEquals(await statusOf(postJson(app, "/auth/report-not-me", { token: notMeTokenIn(newDevice) })), 200);
    const kept = await database.db.selectFrom("totp_factors").select("activated_at")
      .where("user_id", "=", await userIdOf(database, older.email)).executeTakeFirst();
    assert(kept?.activated_at, "a factor older than 7 days stays");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/report-not-me answers the same whatever the account held (a factor, sessions, a name)", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const plain = await reportedAccount(app, "plain");
    const withFactor = await enrolledAccount(app, "withfactor");
    const factorMail = (await activityMailsTo(app, smtp, withFactor.email)).at(-1)!;
    const a = await app.request("/auth/report-not-me", jsonBody({ token: plain.token }));
    const b = await app.request("/auth/report-not-me", jsonBody({ token: notMeTokenIn(factorMail) }));
    assertEquals([a.status, b.status], [200, 200]);
    assertEquals(await bodyWithoutRequestId(a), await bodyWithoutRequestId(b));
  } finally {
    await app.close();
  }
});
