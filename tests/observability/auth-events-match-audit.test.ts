/**
 * auth_events_total counts the audit trail: after a flow through every route that records a
 * security event, each type's counter equals its rows in security_events, however the event
 * was written (its own statement, part of a larger one, an admin's) and whether it was written
 * before or after the answer.
 */
import { sql } from "kysely";
import { NOOP_OBSERVER, type Observer } from "../../src/observer.ts";
import { SECURITY_EVENT_TYPES, type SecurityEventType } from "../../src/security-event-types.ts";
import { withEvents } from "../../src/services/audit-trail.ts";
import { assertEquals, assertRejects } from "../helpers/assert.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { otpOf } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { adminKey } from "../admin/_helpers.ts";
import { PASSWORD, signedInAccount, signIn, uniqueEmail } from "../helpers/accounts.ts";
import { bearer, postAs, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, mfaToken } from "../mfa/_helpers.ts";
import { mailWithSubject, tokenIn } from "../selfservice/_helpers.ts";
import { refresh } from "../sessions/_helpers.ts";
import { claimsOf } from "../helpers/claims.ts";
import { NOT_ME_TOKEN_IN_TEXT } from "../../src/mail/activity-templates.ts";
import { registerPasskey, SoftAuthenticator } from "../passkeys/_helpers.ts";

const { database, smtp } = await accountsBackends();
const TOKEN = "metrics-token-0123456789abcdef0123456789abcdef";
const NEW_PASSWORD = "another horse battery staple";

/** auth_events_total by type, as GET /metrics answers it. */
async function countedEvents(app: AccountsApp): Promise<Record<string, number>> {
  const response = await app.app.request("/metrics", { headers: { Authorization: `Bearer ${TOKEN}` } });
  assertEquals(response.status, 200);
  const counted: Record<string, number> = {};
  for (const match of (await response.text()).matchAll(/^auth_events_total\{type="([a-z_]+)"\} (\d+)$/gm)) {
    counted[match[1]] = Number(match[2]);
  }
  return counted;
}

/** Rows of security_events by type, every type present (0 when none). */
async function recordedEvents(db: TestDatabase["db"] = database.db): Promise<Record<string, number>> {
  const { rows } = await sql<{ type: string; count: string | number }>`
    select type, count(*) as count from security_events group by type`.execute(db);
  const recorded: Record<string, number> = Object.fromEntries(SECURITY_EVENT_TYPES.map((type) => [type, 0]));
  for (const row of rows) recorded[row.type] = Number(row.count);
  return recorded;
}

async function expectStatus(response: Promise<Response>, status: number) {
  const settled = await response;
  assertEquals(settled.status, status, await settled.clone().text());
  await settled.body?.cancel();
}

Deno.test("auth_events_total: after sign-up, verification, sign-in, every self-service change, sessions, resets and admin actions, each type's count equals its rows in security_events", async () => {
  const app = await accountsApp(database, smtp, { env: { METRICS_TOKEN: TOKEN } });
  try {
    // Sign-up, a wrong code, a resend, the right code, a sign-in and a failed one
    const { email, tokens } = await signedInAccount(app, { label: "audited" });
    const pending = uniqueEmail("pending");
    await expectStatus(postJson(app, "/auth/signup", { email: pending, password: PASSWORD }), 201);
    await expectStatus(postJson(app, "/auth/verify-email", { email: pending, otp: "000000" }), 400);
    await expectStatus(postJson(app, "/auth/resend-email-verification-otp", { email: pending }), 202);
    await app.deliverMail();
    await expectStatus(postJson(app, "/auth/signin", { email, password: "not the password" }), 401);

    // Profile, a wrong current password, a password change
    const patch = { method: "PATCH", headers: { "Content-Type": "application/json" }, body: '{"name":"Renamed"}' };
    await expectStatus(app.request("/auth/me", bearer(tokens.access_token, patch)), 200);
    const changePassword = (current: string) =>
      postAs(app, "/auth/change-password", tokens.access_token, {
        current_password: current,
        new_password: NEW_PASSWORD,
      });
    await expectStatus(changePassword("not the password"), 400);
    const changed = await changePassword(PASSWORD);
    assertEquals(changed.status, 200);
    const afterChange = await changed.json();

    // An address change: requested (after the answer), a wrong code, confirmed, reverted from the old address
    const fresh = uniqueEmail("moved");
    await expectStatus(
      postAs(app, "/auth/change-email", afterChange.access_token, { current_password: NEW_PASSWORD, new_email: fresh }),
      202,
    );
    const otp = otpOf(await mailWithSubject(app, smtp, fresh, "Confirm your new Jessy AI address"));
    const wrongOtp = otp === "000000" ? "111111" : "000000";
    await expectStatus(postAs(app, "/auth/confirm-email-change", afterChange.access_token, { otp: wrongOtp }), 400);
    await expectStatus(postAs(app, "/auth/confirm-email-change", afterChange.access_token, { otp }), 200);
    const revert = tokenIn(await mailWithSubject(app, smtp, email, "Your Jessy AI address was changed"), "revert");
    await expectStatus(postJson(app, "/auth/revert-email-change", { token: revert }), 200);

    // A password reset (the revert mailed one link; a request mails another after the minute's throttle)
    app.clock.advance(61_000);
    await expectStatus(postJson(app, "/auth/request-password-reset", { email }), 202);
    const reset = tokenIn(await mailWithSubject(app, smtp, email, "Reset your Jessy AI password"), "reset");
    await expectStatus(postJson(app, "/auth/reset-password", { token: reset, new_password: PASSWORD }), 200);

    // Sessions: one revoked by id, a logout, a refresh token replayed within the grace window and
    // reused past it, logout-all
    const first = await signIn(app, email);
    const second = await signIn(app, email);
    const third = await signIn(app, email);
    await expectStatus(
      app.request(
        `/auth/sessions/${claimsOf(second.access_token).sid}`,
        bearer(first.access_token, { method: "DELETE" }),
      ),
      204,
    );
    await expectStatus(app.request("/auth/logout", bearer(first.access_token, { method: "POST" })), 204);
    await expectStatus(refresh(app, third.refresh_token), 200);
    await expectStatus(refresh(app, third.refresh_token), 200);
    app.clock.advance(11_000);
    await expectStatus(refresh(app, third.refresh_token), 401);
    const fourth = await signIn(app, email);
    await expectStatus(app.request("/auth/logout-all", bearer(fourth.access_token, { method: "POST" })), 204);

    // Deletion scheduled (after a wrong password) and cancelled with the mailed token
    const fifth = await signIn(app, email);
    await expectStatus(postAs(app, "/auth/delete-account", fifth.access_token, { current_password: "wrong" }), 400);
    await expectStatus(postAs(app, "/auth/delete-account", fifth.access_token, { current_password: PASSWORD }), 202);
    const cancel = tokenIn(await mailWithSubject(app, smtp, email, "Your Jessy AI account will be deleted"), "cancel");
    await expectStatus(postJson(app, "/auth/cancel-account-deletion", { token: cancel }), 200);

    // A second factor: turned on, a wrong code, a recovery code, new recovery codes, turned off
    const factor = await enrolledAccount(app, "audited-mfa");
    const wrongCode = codeNow(app, factor.secret) === "000000" ? "111111" : "000000";
    const challenge = await mfaToken(app, factor.email, PASSWORD);
    await expectStatus(postJson(app, "/auth/mfa/verify", { mfa_token: challenge, code: wrongCode }), 400);
    const recovered = await postJson(app, "/auth/mfa/verify", { mfa_token: challenge, code: factor.recoveryCodes[0] });
    assertEquals(recovered.status, 200, await recovered.clone().text());
    const aal2 = await recovered.json();
    await expectStatus(postAs(app, "/auth/mfa/recovery-codes", aal2.access_token, {}), 200);
    await expectStatus(
      postAs(app, "/auth/mfa/disable", aal2.access_token, {
        current_password: PASSWORD,
        mfa_code: codeNow(app, factor.secret),
      }),
      204,
    );

    // An administrator's actions on the account
    const key = await adminKey(app, ["users:write", "webhooks:read", "webhooks:write"]);
    const me = await (await app.request("/auth/me", bearer((await signIn(app, email)).access_token))).json();
    const admin = (path: string, method = "POST", body?: unknown) =>
      app.request(
        path,
        bearer(key, {
          method,
          ...(body ? { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {}),
        }),
      );
    await expectStatus(admin(`/admin/users/${me.id}/disable`, "POST", { reason: "audit" }), 200);
    await expectStatus(admin(`/admin/users/${me.id}/enable`), 200);
    await expectStatus(admin(`/admin/users/${me.id}/sign-out`), 204);
    await expectStatus(admin(`/admin/users/${me.id}/send-password-reset`), 202);
    await expectStatus(admin(`/admin/users/${me.id}?immediate=true`, "DELETE"), 202);
    await app.deliverMail();

    // An administrator's webhook actions: subscribe, rotate, test, redeliver, remove
    const endpoint = await (await admin("/admin/webhooks", "POST", {
      url: "https://hooks.example.com/audited",
      events: ["webhook.test"],
    })).json();
    await expectStatus(admin(`/admin/webhooks/${endpoint.id}/rotate-secret`), 200);
    const queued = await (await admin(`/admin/webhooks/${endpoint.id}/test`)).json();
    await expectStatus(admin(`/admin/webhook-deliveries/${queued.id}/redeliver`), 202);
    await expectStatus(admin(`/admin/webhooks/${endpoint.id}`, "DELETE"), 204);
    // "This wasn't me" from the factor account's latest activity mail
    const activity = smtp.inbox(factor.email).filter((mail) => NOT_ME_TOKEN_IN_TEXT.test(mail.text)).at(-1);
    const notMe = NOT_ME_TOKEN_IN_TEXT.exec(activity?.text ?? "")?.[1];
    await expectStatus(postJson(app, "/auth/report-not-me", { token: notMe }), 200);
    // A passkey added and removed with a fresh token
    const keyed = await signedInAccount(app, { label: "audited-passkey" });
    const passkey = await registerPasskey(app, keyed.tokens.access_token, new SoftAuthenticator());
    await expectStatus(
      app.request(
        `/auth/passkeys/${passkey.id}`,
        bearer(keyed.tokens.access_token, {
          method: "DELETE",
          headers: { "Content-Type": "application/json" },
          body: "{}",
        }),
      ),
      204,
    );
    // A sign-in lock needs the account's budget spent, which this flow's limits never reach, and a
    // cloned authenticator a second copy of one (tests/passkeys/threats.test.ts): both events are
    // recorded the way the service records them
    for (const type of ["signin_locked", "passkey_counter_regressed"] as const) {
      await withEvents(
        { db: database.db, observer: app.deps.observer },
        (_trx, record) =>
          record({
            userId: type === "signin_locked" ? null : claimsOf(keyed.tokens.access_token).sub,
            type,
            ip: null,
            userAgent: null,
            requestId: null,
            at: app.clock.now(),
          }),
      );
    }

    const recorded = await recordedEvents();
    const counted = await countedEvents(app);
    const missing = SECURITY_EVENT_TYPES.filter((type) => recorded[type] === 0);
    assertEquals(missing, [], "the flow records every type");
    const mismatched = SECURITY_EVENT_TYPES.filter((type) => counted[type] !== recorded[type])
      .map((type) => `${type}: counted ${counted[type]}, recorded ${recorded[type]}`);
    assertEquals(mismatched, []);
  } finally {
    await app.close();
  }
});

Deno.test("withEvents: the events of a transaction are counted once it commits, none when it rolls back", async () => {
  const database = await createTestDatabase();
  const counted: SecurityEventType[] = [];
  const observer: Observer = { ...NOOP_OBSERVER, securityEvent: (type) => void counted.push(type) };
  const deps = { db: database.db, observer };
  const event = (type: SecurityEventType) => ({
    userId: null,
    type,
    ip: null,
    userAgent: null,
    requestId: null,
    at: new Date(),
  });
  try {
    await assertRejects(() =>
      withEvents(deps, async (_trx, record) => {
        await record(event("signin_failed"));
        throw new Error("rolled back");
      })
    );
    assertEquals(counted, []);
    await withEvents(deps, async (_trx, record) => {
      await record(event("signin_failed"));
      await record(event("logout"));
    });
    assertEquals(counted, ["signin_failed", "logout"]);
    const recorded = await recordedEvents(database.db);
    assertEquals([recorded.signin_failed, recorded.logout], [1, 1]);
  } finally {
    await database.close();
  }
});
