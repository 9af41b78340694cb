/**
 * The hijack a second factor invites, replayed end to end: a thief who knows the password signs
 * in from his own device and turns on an authenticator app of his own, so that the owner, even
 * after a password reset, would be asked for a code only the thief has. The owner reads the
 * activity mail, reports "this wasn't me", follows the reset link, and signs in with the new
 * password alone; nothing the thief collected works. Once through the development sandbox with
 * the mail read at GET /dev/outbox, and once on two instances sharing the database and the
 * revocation cache (the thief on one, the owner on the other).
 */
import { ManualClock } from "../../src/clock.ts";
import { createLogger } from "../../src/logger.ts";
import { currentTotpCode } from "../../src/services/mfa/totp.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { type Api, bearer, jsonBody, postAs, postJson, serverAt, statusOf } from "../helpers/http.ts";
import { PASSWORD, runningServer, verifiedAccount } from "../helpers/accounts.ts";
import { createTestCache } from "../helpers/revocation-cache.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { until } from "../helpers/until.ts";
import { resetTokenOf } from "../helpers/smtp.ts";
import { mailWithSubject, SUBJECTS } from "../selfservice/_helpers.ts";
import { ACTIVITY_ENV, activityMailsTo, notMeTokenIn } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();
const THIEF_DEVICE = { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" };
const OWNER_PASSWORD = "the owner's fresh passphrase";

/** What the thief holds at the end of his run: his pair, his secret, his recovery codes, a pending sign-in. */
interface Loot {
  access: string;
  refresh: string;
  secret: string;
  recoveryCodes: string[];
  mfaToken: string;
}

/** The thief signs in with the password from his own device and turns on his own authenticator app. */
async function thiefEnrols(thief: Api, email: string, now: () => Date): Promise<Loot> {
  const signin = await postJson(thief, "/auth/signin", { email, password: PASSWORD }, THIEF_DEVICE);
  assertEquals(signin.status, 200);
  const pair = await signin.json();
  const started = await postAs(thief, "/auth/mfa/totp", pair.access_token, {});
  assertEquals(started.status, 200, await started.clone().text());
  const { secret } = await started.json();
  const activated = await postAs(thief, "/auth/mfa/totp/activate", pair.access_token, {
    code: currentTotpCode(secret, now()),
  });
  assertEquals(activated.status, 200, await activated.clone().text());
  const { recovery_codes: recoveryCodes } = await activated.json();
  // A second sign-in he leaves at its second step, to finish later with a recovery code
  const pending = await (await postJson(thief, "/auth/signin", { email, password: PASSWORD }, THIEF_DEVICE)).json();
  assertEquals(pending.mfa_required, true, "the factor is on");
  return { access: pair.access_token, refresh: pair.refresh_token, secret, recoveryCodes, mfaToken: pending.mfa_token };
}

/** Nothing the thief holds opens the account, wherever he tries. */
async function assertThiefOut(apps: Api[], email: string, loot: Loot): Promise<void> {
  for (const app of apps) {
    assertEquals(await statusOf(app.request("/auth/me", bearer(loot.access))), 401, "the thief's access token");
    const refreshed = postJson(app, "/auth/refresh", { refresh_token: loot.refresh });
    assertEquals(await statusOf(refreshed), 401, "the thief's refresh token");
    const signin = await postJson(app, "/auth/signin", { email, password: PASSWORD });
    assertEquals(signin.status, 401, "the stolen password");
    await signin.body?.cancel();
    for (const code of loot.recoveryCodes.slice(0, 2)) {
      const verified = await postJson(app, "/auth/mfa/verify", { mfa_token: loot.mfaToken, code });
      assertEquals(verified.status, 401, "a recovery code on the pending sign-in");
      await verified.body?.cancel();
    }
  }
}

/** The owner signs in with the new password alone: no second step. */
async function assertOwnerIn(app: Api, email: string): Promise<void> {
  const signin = await postJson(app, "/auth/signin", { email, password: OWNER_PASSWORD });
  assertEquals(signin.status, 200);
  const body = await signin.json();
  assert(body.access_token && !body.mfa_required, "the password alone signs the owner in");
  const mfa = await (await app.request("/auth/mfa", bearer(body.access_token))).json();
  assertEquals(mfa.enabled, false, "the thief's factor is gone");
}

Deno.test({
  name: "POST /auth/report-not-me undoes a thief's factor: from the mail in GET /dev/outbox to a sign-in without it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sandbox = await startSandbox(ACTIVITY_ENV);
    try {
      const server = runningServer(sandbox.url);
      const { email } = await verifiedAccount(server, { label: "owner" });
      assertEquals(await statusOf(postJson(server, "/auth/signin", { email, password: PASSWORD })), 200);
      const loot = await thiefEnrols(server, email, () => new Date());

      type Outbox = { messages: { to: string; subject: string; text: string; not_me_token?: string }[] };
      let notMe: string | undefined;
      // Real time: the sandbox's worker delivers on its own timer
      await until(async () => {
        const { messages } = await (await fetch(`${sandbox.url}/dev/outbox?limit=100`)).json() as Outbox;
        notMe = messages.find((m) => m.to === email && m.not_me_token && /New sign-in|security notices/.test(m.subject))
          ?.not_me_token;
        return notMe !== undefined;
      }, { timeout: 15_000, interval: 100, what: "the new-device mail" });
      const reported = await postJson(server, "/auth/report-not-me", { token: notMe });
      assertEquals(reported.status, 200, await reported.clone().text());
      await reported.body?.cancel();

      let resetToken: string | undefined;
      await until(async () => {
        const { messages } = await (await fetch(`${sandbox.url}/dev/outbox?limit=100`)).json() as {
          messages: { to: string; reset_token?: string }[];
        };
        resetToken = messages.find((m) => m.to === email && m.reset_token)?.reset_token;
        return resetToken !== undefined;
      }, { timeout: 15_000, interval: 100, what: "the reset mail" });
      const reset = postJson(server, "/auth/reset-password", { token: resetToken, new_password: OWNER_PASSWORD });
      assertEquals(await statusOf(reset), 200);

      await assertOwnerIn(server, email);
      await assertThiefOut([serverAt(sandbox.url)], email, loot);
    } finally {
      await sandbox.close();
    }
  },
});

Deno.test("POST /auth/report-not-me on instance A: the thief's tokens are 401 on instance B; the mfa_enabled mail carries the link", async () => {
  const cache = createTestCache(createLogger({ level: "error" }));
  const clock = new ManualClock();
  const owner = await accountsApp(database, smtp, { env: ACTIVITY_ENV, clock, revocationCache: cache.cache });
  const thief = await accountsApp(database, smtp, { env: ACTIVITY_ENV, clock, revocationCache: cache.connect() });
  try {
    const { email } = await verifiedAccount(owner, { label: "twoinstances" });
    assertEquals(await statusOf(postJson(owner, "/auth/signin", { email, password: PASSWORD })), 200);
    // The owner's mailbox is read once a mail is due, so the new-device mail goes out alone
    await activityMailsTo(owner, smtp, email);
    const loot = await thiefEnrols(thief, email, () => clock.now());
    // His tokens work on both instances until the report
    assertEquals(await statusOf(owner.request("/auth/me", bearer(loot.access))), 200);
    assertEquals(await statusOf(thief.request("/auth/me", bearer(loot.access))), 200);

    clock.advance(15 * 60 * 1000);
    const mails = await activityMailsTo(owner, smtp, email);
    const enabled = mails.find((mail) => mail.text.includes("An authenticator app was just set up"));
    assert(enabled, `the mfa_enabled notice: ${mails.map((m) => m.subject).join(" | ")}`);
    const report = await owner.request("/auth/report-not-me", jsonBody({ token: notMeTokenIn(enabled) }));
    assertEquals(report.status, 200, await report.clone().text());
    await report.body?.cancel();
    await assertThiefOut([thief, owner], email, loot);

    const token = resetTokenOf(await mailWithSubject(owner, smtp, email, SUBJECTS.reset));
    assertEquals(await statusOf(postJson(owner, "/auth/reset-password", { token, new_password: OWNER_PASSWORD })), 200);
    await assertOwnerIn(thief, email);
  } finally {
    await owner.close();
    await thief.close();
    await cache.close();
  }
});
