/**
 * A passkey signs in without the password, so one a thief adds with a stolen password would
 * outlive the owner's reset: "this wasn't me" removes the passkeys added within 7 days, and a
 * passkey sign-in tells the owner about a new device like a password sign-in does.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsBackends } from "../accounts/_helpers.ts";
import { mailedResetToken, PASSWORD, signedInAccount } from "../helpers/accounts.ts";
import { codeNow, enrolledAccount } from "../mfa/_helpers.ts";
import { jsonOf, postJson, statusOf } from "../helpers/http.ts";
import { activityMailsTo, notMeTokenIn } from "../activity/_helpers.ts";
import { ORIGIN, passkeyApp, postSignin, registerPasskey, signinOptions, SoftAuthenticator } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const DAY = 24 * 60 * 60 * 1000;
const ENV = { RATE_LIMIT_GENERAL_PER_MINUTE: "10000" };

Deno.test("POST /auth/report-not-me removes a passkey added within 7 days (the thief's) and keeps an older one (the owner's)", async () => {
  const app = await passkeyApp(database, smtp, ENV);
  try {
    const owner = await signedInAccount(app, { label: "pk-recover" });
    const ownersKey = new SoftAuthenticator();
    await registerPasskey(app, owner.tokens.access_token, ownersKey);
    await activityMailsTo(app, smtp, owner.email);
    app.clock.advance(8 * DAY);

    // The thief signs in with the stolen password and adds a passkey of his own
    const thief = await jsonOf(postJson(app, "/auth/signin", { email: owner.email, password: owner.password }));
    assertEquals(thief.status, 200);
    const thiefsKey = new SoftAuthenticator();
    await registerPasskey(app, thief.body.access_token, thiefsKey);
    app.clock.advance(15 * 60 * 1000);
    const added = (await activityMailsTo(app, smtp, owner.email)).filter((mail) => mail.text.includes("passkey")).at(
      -1,
    );
    assert(added, JSON.stringify(smtp.inbox(owner.email).map((m) => [m.subject, m.text.slice(0, 300)])));

    assertEquals(await statusOf(postJson(app, "/auth/report-not-me", { token: notMeTokenIn(added) })), 200);
    const viaThiefsKey = await postSignin(app, thiefsKey.get(await signinOptions(app), { origin: ORIGIN }));
    assertEquals(viaThiefsKey.status, 401, "the thief's passkey is gone");
    await viaThiefsKey.body?.cancel();
    const viaOwnersKey = await postSignin(app, ownersKey.get(await signinOptions(app), { origin: ORIGIN }));
    assertEquals(viaOwnersKey.status, 200, "the owner's older passkey still signs in");
    await viaOwnersKey.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/passkeys/signin with the device_token of an earlier sign-in is a known device; without it the owner hears of a new one", async () => {
  const app = await passkeyApp(database, smtp, ENV);
  try {
    const owner = await signedInAccount(app, { label: "pk-device" });
    const deviceToken = (owner.tokens as unknown as { device_token: string }).device_token;
    const key = new SoftAuthenticator();
    await registerPasskey(app, owner.tokens.access_token, key);
    await activityMailsTo(app, smtp, owner.email);
    const before = (await activityMailsTo(app, smtp, owner.email)).length;

    const known = await jsonOf(postJson(app, "/auth/passkeys/signin", {
      credential: key.get(await signinOptions(app), { origin: ORIGIN }),
      device_token: deviceToken,
    }));
    assertEquals(known.status, 200);
    assertEquals(known.body.device_token, deviceToken, "the device keeps its token");
    assertEquals((await activityMailsTo(app, smtp, owner.email)).length, before, "a known device is silent");

    const unknown = await postSignin(app, key.get(await signinOptions(app), { origin: ORIGIN }));
    assertEquals(unknown.status, 200);
    await unknown.body?.cancel();
    // Past the digest window the passkey's own mail opened
    app.clock.advance(15 * 60 * 1000);
    const mails = await activityMailsTo(app, smtp, owner.email);
    assertEquals(mails.length, before + 1);
    assertEquals(mails.at(-1)!.subject, "New sign-in to your Jessy AI account");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify with a passkey after a password from a new device tells the owner, like a code does", async () => {
  const app = await passkeyApp(database, smtp, ENV);
  try {
    const account = await enrolledAccount(app, "pk-second-step");
    const key = new SoftAuthenticator();
    // Registering asks the factor now: a fresh token at aal 1 would not do, the password and a code do
    await registerPasskey(app, account.tokens.access_token, key, {}, undefined, {
      current_password: PASSWORD,
      mfa_code: codeNow(app, account.secret),
    });
    app.clock.advance(15 * 60 * 1000);
    const before = (await activityMailsTo(app, smtp, account.email)).length;

    const mfaToken = (await jsonOf(postJson(app, "/auth/signin", { email: account.email, password: PASSWORD }))).body
      .mfa_token;
    const options = await signinOptions(app, { mfa_token: mfaToken });
    const passkey = key.get(options, { origin: ORIGIN });
    const verified = await postJson(app, "/auth/mfa/verify", { mfa_token: mfaToken, passkey });
    assertEquals(verified.status, 200, await verified.clone().text());
    await verified.body?.cancel();
    const mails = await activityMailsTo(app, smtp, account.email);
    assertEquals(mails.length, before + 1);
    assertEquals(mails.at(-1)!.subject, "New sign-in to your Jessy AI account");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/reset-password removes a passkey added within 7 days: the owner's reset alone ends a thief's passkey; an older one stays", async () => {
  const app = await passkeyApp(database, smtp, ENV);
  try {
    const owner = await signedInAccount(app, { label: "pk-reset" });
    const ownersKey = new SoftAuthenticator();
    await registerPasskey(app, owner.tokens.access_token, ownersKey);
    app.clock.advance(8 * DAY);

    const thief = await jsonOf(postJson(app, "/auth/signin", { email: owner.email, password: owner.password }));
    const thiefsKey = new SoftAuthenticator();
    await registerPasskey(app, thief.body.access_token, thiefsKey);

    assertEquals(await statusOf(postJson(app, "/auth/request-password-reset", { email: owner.email })), 202);
    const token = await mailedResetToken(app, owner.email);
    const reset = await postJson(app, "/auth/reset-password", { token, new_password: "a brand new passphrase 42" });
    assertEquals(reset.status, 200, await reset.clone().text());
    await reset.body?.cancel();

    const viaThiefsKey = await postSignin(app, thiefsKey.get(await signinOptions(app), { origin: ORIGIN }));
    assertEquals(viaThiefsKey.status, 401, "the thief's passkey died with the reset");
    await viaThiefsKey.body?.cancel();
    const viaOwnersKey = await postSignin(app, ownersKey.get(await signinOptions(app), { origin: ORIGIN }));
    assertEquals(viaOwnersKey.status, 200, "the owner's older passkey still signs in");
    await viaOwnersKey.body?.cancel();
  } finally {
    await app.close();
  }
});
