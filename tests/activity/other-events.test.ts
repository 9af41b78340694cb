/**
 * The other events that reach the owner through the same activity path: a reused refresh token
 * (naming the device of the session that was ended), the account's sign-in budget tripping (once
 * per lock, not per refused attempt), and an administrator's disable, enable, sign-out and reset
 * of the second factor.
 */
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { adminKey } from "../admin/_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { PASSWORD, verifiedAccount } from "../helpers/accounts.ts";
import { bearer, jsonBody, statusOf } from "../helpers/http.ts";
import { refresh } from "../sessions/_helpers.ts";
import { enrolledAccount } from "../mfa/_helpers.ts";
import {
  ACTIVITY_ENV,
  activityMailsTo,
  countEvents,
  FIREFOX_ON_WINDOWS,
  SAFARI_ON_IPHONE,
  signInAs,
  userIdOf,
} from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const HOUR = 60 * 60 * 1000;

Deno.test("POST /auth/refresh: a reused refresh token mails the owner the device of the session that was ended", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "reuse" });
    const pair = await signInAs(app, email, { userAgent: SAFARI_ON_IPHONE });
    assertEquals(await statusOf(refresh(app, pair.refresh_token, SAFARI_ON_IPHONE)), 200);
    app.clock.advance(11_000);
    assertEquals(await statusOf(refresh(app, pair.refresh_token, FIREFOX_ON_WINDOWS, "192.0.2.99")), 401);
    assertEquals(await countEvents(database, await userIdOf(database, email), "refresh_token_reused"), 1);
    const [mail] = await activityMailsTo(app, smtp, email);
    assertEquals(mail.subject, "A signed-in device of your Jessy AI account was signed out");
    assert(mail.text.includes("Device: Safari on iOS"), mail.text);
    assert(!mail.text.includes("Firefox") && !mail.text.includes("192.0.2.99"), "not the replayer's device");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin: the account's budget tripping mails the owner once per lock, not per refused attempt", async () => {
  // The account's budget is twice the auth tier's per-minute number: 10 failures an hour
  const app = await accountsApp(database, smtp, { env: { ...ACTIVITY_ENV, RATE_LIMIT_AUTH_PER_MINUTE: "5" } });
  try {
    const { email } = await verifiedAccount(app, { label: "locked" });
    const userId = await userIdOf(database, email);
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      // From many addresses, as a spread-out guesser does: only the account's budget binds
      const body = jsonBody({ email, password: `wrong guess ${i}` });
      statuses.push(await statusOf(app.request("/auth/signin", body, `198.51.100.${i + 1}`)));
    }
    assertEquals(statuses, [...Array(10).fill(401), ...Array(4).fill(429)]);
    assertEquals(await countEvents(database, userId, "signin_locked"), 1);
    const mails = await activityMailsTo(app, smtp, email);
    assertEquals(mails.map((mail) => mail.subject), ["Sign-in to your Jessy AI account is paused"]);

    app.clock.advance(HOUR + 1000);
    for (let i = 0; i < 10; i++) {
      await statusOf(app.request("/auth/signin", jsonBody({ email, password: "wrong" }), `198.51.101.${i + 1}`));
    }
    assertEquals(await countEvents(database, userId, "signin_locked"), 2, "a new lock an hour later");
    const right = await app.request("/auth/signin", jsonBody({ email, password: PASSWORD }), "198.51.102.1");
    assertEquals(right.status, 429);
    await right.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /admin/users/{id}/disable, /enable, /sign-out and DELETE /admin/users/{id}/mfa mail the owner", async () => {
  const app = await accountsApp(database, smtp, { env: { ...ACTIVITY_ENV, RATE_LIMIT_ADMIN_PER_MINUTE: "10000" } });
  try {
    const account = await enrolledAccount(app, "administered");
    await activityMailsTo(app, smtp, account.email);
    const userId = await userIdOf(database, account.email);
    const key = await adminKey(app, ["users:write"]);
    const admin = (path: string, method = "POST", body: unknown = {}) =>
      statusOf(app.request(`/admin/users/${userId}${path}`, bearer(key, { ...jsonBody(body), method })));
    assertEquals(await admin("/disable", "POST", { reason: "checking" }), 200);
    assertEquals(await admin("/enable"), 200);
    assertEquals(await admin("/sign-out"), 204);
    assertEquals(await statusOf(app.request(`/admin/users/${userId}/mfa`, bearer(key, { method: "DELETE" }))), 204);
    app.clock.advance(15 * 60 * 1000);
    const digest = (await activityMailsTo(app, smtp, account.email)).at(-1)!;
    for (
      const line of [
        "Support disabled your account and signed out every device.",
        "Support enabled your account again: you can sign in.",
        "Support signed out every device of your account.",
        "Support just turned two-step sign-in off for your account",
      ]
    ) assert(digest.text.includes(line), `${line}\n${digest.text}`);
  } finally {
    await app.close();
  }
});
