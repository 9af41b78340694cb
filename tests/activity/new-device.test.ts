/**
 * A successful sign-in from a device the account does not know mails the owner (when, from
 * which address, which browser and OS, and a "this wasn't me" link) and emits the
 * `security.new_device_signin` webhook; the account's first sign-in and a sign-in with a valid
 * device token stay silent. A stale, foreign or forged device token counts as no token.
 */
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { mailedResetToken, PASSWORD, verifiedAccount } from "../helpers/accounts.ts";
import { jsonBody, postJson, statusOf } from "../helpers/http.ts";
import { codeNow, enrolledAccount, nextStep } from "../mfa/_helpers.ts";
import { insertWebhookEndpoint } from "../../src/repositories/webhook-endpoints.ts";
import {
  ACTIVITY_ENV,
  activityMailsTo,
  countEvents,
  FIREFOX_ON_WINDOWS,
  notMeTokenIn,
  SAFARI_ON_IPHONE,
  signInAs,
  userIdOf,
} from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const NEW_DEVICE_SUBJECT = "New sign-in to your Jessy AI account";

Deno.test("POST /auth/signin from a new device mails the owner when, from where, which browser and OS, with a not-me link; the first sign-in is silent", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "newdevice" });
    await signInAs(app, email, { userAgent: SAFARI_ON_IPHONE });
    assertEquals((await activityMailsTo(app, smtp, email)).length, 0, "the account's first sign-in is silent");

    const at = app.clock.now();
    await signInAs(app, email, { userAgent: FIREFOX_ON_WINDOWS, ip: "203.0.113.50" });
    const mails = await activityMailsTo(app, smtp, email);
    assertEquals(mails.map((mail) => mail.subject), [NEW_DEVICE_SUBJECT]);
    const [mail] = mails;
    assert(mail.text.includes(`When: ${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 19)} UTC`));
    assert(mail.text.includes("IP address: 203.0.113.50"), mail.text);
    assert(mail.text.includes("Device: Firefox on Windows"), mail.text);
    assert(mail.html.includes("Firefox on Windows"));
    const token = notMeTokenIn(mail);
    assert(mail.text.includes(`http://localhost:8000/account/not-me#token=${token}`), "the link opens the page");
    assert(mail.html.includes(`href="http://localhost:8000/account/not-me#token=${token}"`));
    const userId = await userIdOf(database, email);
    assertEquals(await countEvents(database, userId, "new_device_signin"), 1);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin with the device_token this account handed out stays silent", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "knowndevice" });
    const first = await signInAs(app, email, { userAgent: FIREFOX_ON_WINDOWS });
    const again = await signInAs(app, email, { userAgent: FIREFOX_ON_WINDOWS, deviceToken: first.device_token });
    assertEquals(again.device_token, first.device_token);
    await signInAs(app, email, { userAgent: FIREFOX_ON_WINDOWS, deviceToken: first.device_token, ip: "198.51.100.9" });
    assertEquals(await countEvents(database, await userIdOf(database, email), "new_device_signin"), 0);
    assertEquals((await activityMailsTo(app, smtp, email)).length, 0);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin: a device_token from before a password reset, another account's or a forged one does not hide a new device", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "stale" });
    const other = await verifiedAccount(app, { label: "foreign" });
    const userId = await userIdOf(database, email);
    const before = (await signInAs(app, email)).device_token;
    const foreign = (await signInAs(app, other.email)).device_token;

    assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
    const reset = await mailedResetToken(app, email);
    const newPassword = "an entirely fresh passphrase";
    assertEquals(
      await statusOf(postJson(app, "/auth/reset-password", { token: reset, new_password: newPassword })),
      200,
    );

    await signInAs(app, email, { deviceToken: before, password: newPassword });
    assertEquals(await countEvents(database, userId, "new_device_signin"), 1, "a token from before the reset");
    await signInAs(app, email, { deviceToken: foreign, password: newPassword });
    assertEquals(await countEvents(database, userId, "new_device_signin"), 2, "another account's token");
    await signInAs(app, email, { deviceToken: "forged-device-token-AAAAAAAAAAAAAAAAAAAAAAAA", password: newPassword });
    assertEquals(await countEvents(database, userId, "new_device_signin"), 3, "a forged token");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: the second step from a new device mails; one whose first step carried a valid device_token is silent", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const account = await enrolledAccount(app, "mfadevice");
    const userId = await userIdOf(database, account.email);
    const deviceToken = (account.tokens as unknown as { device_token: string }).device_token;
    const signIn = async (device_token?: string) => {
      const first = await postJson(app, "/auth/signin", { email: account.email, password: PASSWORD, device_token });
      const { mfa_token } = await first.json();
      const verified = await postJson(app, "/auth/mfa/verify", { mfa_token, code: codeNow(app, account.secret) });
      assertEquals(verified.status, 200, await verified.clone().text());
      await verified.body?.cancel();
      nextStep(app);
    };
    await signIn(deviceToken);
    assertEquals(await countEvents(database, userId, "new_device_signin"), 0, "the first step named a known device");
    await signIn();
    assertEquals(await countEvents(database, userId, "new_device_signin"), 1);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin from a new device queues the security.new_device_signin webhook with the event", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const endpointId = crypto.randomUUID();
    await insertWebhookEndpoint(database.db, {
      id: endpointId,
      url: "https://hooks.example.com/jessy",
      description: null,
      events: ["security.new_device_signin"],
      secrets: [],
      now: new Date(),
    });
    const { email } = await verifiedAccount(app, { label: "hook" });
    await signInAs(app, email);
    await signInAs(app, email);
    const userId = await userIdOf(database, email);
    const hooks = await database.db.selectFrom("webhook_deliveries").select(["event_type", "user_id"])
      .where("endpoint_id", "=", endpointId).execute();
    assertEquals(hooks, [{ event_type: "security.new_device_signin", user_id: userId }]);
    await database.db.deleteFrom("webhook_endpoints").where("id", "=", endpointId).execute();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin answers alike whether or not the sign-in mails the owner (enumeration)", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "alike" });
    const shape = async (response: Response) => {
      const body = await response.json();
      return {
        status: response.status,
        fields: Object.keys(body).sort(),
        headers: [...response.headers.keys()].sort(),
      };
    };
    const first = await app.request("/auth/signin", jsonBody({ email, password: PASSWORD }));
    const silent = await shape(first);
    const mailing = await shape(await app.request("/auth/signin", jsonBody({ email, password: PASSWORD })));
    assertEquals(mailing, silent);
    assertEquals((await activityMailsTo(app, smtp, email)).length, 1, "only the second one mailed");
  } finally {
    await app.close();
  }
});
