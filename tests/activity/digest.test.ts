/**
 * No flood: at most one activity mail per account per 15 minutes. The first notice goes out at
 * once; what happens within the window waits in one mail due at its end (a digest), so every
 * event is told and none floods the mailbox. The clock is the app's ManualClock; the outbox
 * worker runs after every request, as a polling worker would.
 */
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { PASSWORD, verifiedAccount } from "../helpers/accounts.ts";
import { testConfig } from "../helpers/app.ts";
import { postJson } from "../helpers/http.ts";
import { enrolledAccount } from "../mfa/_helpers.ts";
import { ACTIVITY_MAIL_WINDOW_MS } from "../../src/services/activity/activity-mail.ts";
import { ACTIVITY_ENV, activityMailsTo, countEvents, signInAs, userIdOf } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const MINUTE = 60_000;
const METRICS_TOKEN = "metrics-token-0123456789abcdef0123456789abcdef";

Deno.test("20 sign-ins from unknown devices within 10 minutes: at most 2 mails, 20 events; the second mail is a digest at the window's end", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "bomb" });
    await signInAs(app, email);
    const start = app.clock.now().getTime();
    for (let i = 0; i < 20; i++) {
      await signInAs(app, email, { ip: `203.0.113.${i + 1}` });
      await app.deliverMail();
      app.clock.advance(30_000);
    }
    assertEquals(app.clock.now().getTime() - start, 10 * MINUTE);
    assertEquals(await countEvents(database, await userIdOf(database, email), "new_device_signin"), 20);
    assertEquals((await activityMailsTo(app, smtp, email)).length, 1, "one mail within the window");

    app.clock.advance(5 * MINUTE);
    const mails = await activityMailsTo(app, smtp, email);
    assertEquals(mails.length, 2);
    assertEquals(mails[0].subject, "New sign-in to your Jessy AI account");
    assertEquals(mails[1].subject, "19 security notices for your Jessy AI account");
    assert(mails[1].text.includes("19 things happened on your account since our last mail"), mails[1].text);
    for (let i = 2; i <= 20; i++) assert(mails[1].text.includes(`IP address: 203.0.113.${i}\n`), `sign-in ${i} told`);
  } finally {
    await app.close();
  }
});

Deno.test("an activity notice after the window goes out at once", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "quiet" });
    await signInAs(app, email);
    await signInAs(app, email);
    assertEquals((await activityMailsTo(app, smtp, email)).length, 1);
    app.clock.advance(ACTIVITY_MAIL_WINDOW_MS);
    await signInAs(app, email);
    assertEquals((await activityMailsTo(app, smtp, email)).length, 2, "due at once: nothing was sent in the window");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: a burst of wrong codes mails one digest, not one mail per code", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const account = await enrolledAccount(app, "wrongcodes");
    assertEquals((await activityMailsTo(app, smtp, account.email)).length, 1, "the enrolment's mail");
    for (let i = 0; i < 8; i++) {
      const first = await postJson(app, "/auth/signin", { email: account.email, password: PASSWORD });
      const { mfa_token } = await first.json();
      const wrong = await postJson(app, "/auth/mfa/verify", { mfa_token, code: "000000" });
      assertEquals(wrong.status, 400);
      await wrong.body?.cancel();
      await app.deliverMail();
    }
    assertEquals((await activityMailsTo(app, smtp, account.email)).length, 1, "nothing more within the window");
    app.clock.advance(ACTIVITY_MAIL_WINDOW_MS);
    const mails = await activityMailsTo(app, smtp, account.email);
    assertEquals(mails.length, 2);
    const told = mails[1].text.split("\n").filter((line) => line.startsWith("Someone who knows your password"));
    assertEquals(told.length, 8);
  } finally {
    await app.close();
  }
});

Deno.test("ACTIVITY_MAILS leaves out the kinds it does not name; the events are recorded all the same", async () => {
  const app = await accountsApp(database, smtp, {
    env: { ...ACTIVITY_ENV, ACTIVITY_MAILS: "token_reuse, factor_change" },
  });
  try {
    const { email } = await verifiedAccount(app, { label: "off" });
    await signInAs(app, email);
    await signInAs(app, email);
    assertEquals(await countEvents(database, await userIdOf(database, email), "new_device_signin"), 1);
    assertEquals((await activityMailsTo(app, smtp, email)).length, 0);
  } finally {
    await app.close();
  }
  assertEquals(testConfig({ ACTIVITY_MAILS: "none" }).activityMails, []);
  assertEquals(testConfig({}).activityMails.length, 6);
  const refused = assertThrows(() => testConfig({ ACTIVITY_MAILS: "new_device,everything" }));
  assert(String(refused).includes("ACTIVITY_MAILS names unknown kinds (everything)"), String(refused));
});

Deno.test("activity_mails_total counts the notices queued, by kind", async () => {
  const app = await accountsApp(database, smtp, { env: { ...ACTIVITY_ENV, METRICS_TOKEN } });
  const counted = async () => {
    const response = await app.app.request("/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    const match = /^activity_mails_total\{kind="new_device"\} (\d+)$/m.exec(await response.text());
    assert(match, "the series exists from the start");
    return Number(match[1]);
  };
  try {
    const before = await counted();
    const { email } = await verifiedAccount(app, { label: "counted" });
    await signInAs(app, email);
    await signInAs(app, email);
    await signInAs(app, email);
    assertEquals(await counted(), before + 2);
  } finally {
    await app.close();
  }
});
