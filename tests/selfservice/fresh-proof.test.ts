/**
 * A fresh access token stands in for `current_password` on the sensitive account changes (DESIGN.md,
 * "second factor"): a sign-in, or POST /auth/reauthenticate, under 5 minutes ago proves the request.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { jsonOf, postAs, postJson, statusOf } from "../helpers/http.ts";
import { claimsOf } from "../helpers/claims.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { codeNow, enrolledAccount, mfaToken, nextStep, PASSWORD } from "../mfa/_helpers.ts";
import type { TokenPair } from "../../src/services/identity.ts";

const { database, smtp } = await accountsBackends();

const NEW_PASSWORD = "a brand new passphrase";
const MINUTE = 60_000;

/** The three operations, each with a body that proves nothing beyond the bearer token. */
const OPERATIONS = [
  { path: "/auth/change-password", body: () => ({ new_password: NEW_PASSWORD }), ok: 200 },
  { path: "/auth/change-email", body: () => ({ new_email: `moved-${crypto.randomUUID()}@example.com` }), ok: 202 },
  { path: "/auth/delete-account", body: () => ({}), ok: 202 },
] as const;

async function signinWorks(app: AccountsApp, email: string, password: string): Promise<boolean> {
  const response = await postJson(app, "/auth/signin", { email, password });
  const body = await response.json();
  return response.status === 200 && typeof body.access_token === "string";
}

for (const operation of OPERATIONS) {
  Deno.test(`POST ${operation.path} without current_password: a token signed in under 5 minutes ago proves it; one older is 403 reauthentication_required`, async () => {
    const app = await accountsApp(database, smtp);
    try {
      const stale = await signedInAccount(app, { label: "stale" });
      app.clock.advance(5 * MINUTE + 1000);
      // Still a valid access token (15 minutes), just not a fresh proof
      assertEquals(await statusOf(app.request("/auth/me", { headers: bearer(stale.tokens) })), 200);
      const refused = await jsonOf(postAs(app, operation.path, stale.tokens.access_token, operation.body()));
      assertEquals([refused.status, refused.body.code], [403, "reauthentication_required"]);
      assert(await signinWorks(app, stale.email, PASSWORD), "nothing changed");

      const fresh = await signedInAccount(app, { label: "fresh" });
      app.clock.advance(4 * MINUTE);
      const accepted = await postAs(app, operation.path, fresh.tokens.access_token, operation.body());
      assertEquals(accepted.status, operation.ok, await accepted.clone().text());
      await accepted.body?.cancel();
    } finally {
      await app.close();
    }
  });
}

function bearer(tokens: TokenPair): Record<string, string> {
  return { Authorization: `Bearer ${tokens.access_token}` };
}

Deno.test("POST /auth/change-password with a fresh token: the new password works, the pair keeps the sign-in's auth_time", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await signedInAccount(app, { label: "fresh-change" });
    app.clock.advance(2 * MINUTE);
    const { status, body } = await jsonOf(
      postAs(app, "/auth/change-password", account.tokens.access_token, { new_password: NEW_PASSWORD }),
    );
    assertEquals(status, 200);
    assertEquals(claimsOf(body.access_token).auth_time, claimsOf(account.tokens.access_token).auth_time);
    assert(await signinWorks(app, account.email, NEW_PASSWORD), "the new password signs in");
    assert(!await signinWorks(app, account.email, PASSWORD), "the old one no longer does");
    // The renewed pair proves no more than the sign-in did: 3 minutes on it is stale
    app.clock.advance(3 * MINUTE + 1000);
    const again = await jsonOf(
      postAs(app, "/auth/change-password", body.access_token, { new_password: "yet another passphrase" }),
    );
    assertEquals([again.status, again.body.code], [403, "reauthentication_required"]);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-password with a fresh token refuses the account's current password as the new one (422 password_unchanged)", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await signedInAccount(app, { label: "fresh-unchanged" });
    const { status, body } = await jsonOf(
      postAs(app, "/auth/change-password", account.tokens.access_token, { new_password: PASSWORD }),
    );
    assertEquals([status, body.code], [422, "password_unchanged"]);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/refresh keeps auth_time: a refreshed token of a sign-in 6 minutes old is no fresh proof", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await signedInAccount(app, { label: "refreshed" });
    app.clock.advance(6 * MINUTE);
    const { status, body: refreshed } = await jsonOf(
      postJson(app, "/auth/refresh", { refresh_token: account.tokens.refresh_token }),
    );
    assertEquals(status, 200);
    assertEquals(claimsOf(refreshed.access_token).auth_time, claimsOf(account.tokens.access_token).auth_time);
    for (const operation of OPERATIONS) {
      const refused = await jsonOf(postAs(app, operation.path, refreshed.access_token, operation.body()));
      assertEquals([refused.status, refused.body.code], [403, "reauthentication_required"], operation.path);
    }
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/reauthenticate needs the password before its token stands in for it: then POST /auth/change-password works without it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await signedInAccount(app, { label: "reauth" });
    app.clock.advance(10 * MINUTE);
    const token = account.tokens.access_token;
    const wrong = await jsonOf(postAs(app, "/auth/reauthenticate", token, { current_password: "not the password" }));
    assertEquals([wrong.status, wrong.body.code], [400, "invalid_current_password"]);
    const bare = await jsonOf(postAs(app, "/auth/reauthenticate", token, {}));
    assertEquals([bare.status, bare.body.code], [422, "validation_failed"]);
    // A refused reauthentication freshened nothing
    const still = await jsonOf(postAs(app, "/auth/change-password", token, { new_password: NEW_PASSWORD }));
    assertEquals([still.status, still.body.code], [403, "reauthentication_required"]);

    const reauth = await jsonOf(postAs(app, "/auth/reauthenticate", token, { current_password: PASSWORD }));
    assertEquals(reauth.status, 200);
    const changed = await postAs(app, "/auth/change-password", reauth.body.access_token, {
      new_password: NEW_PASSWORD,
    });
    assertEquals(changed.status, 200);
    await changed.body?.cancel();
    assert(await signinWorks(app, account.email, NEW_PASSWORD));
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-email with a fresh token and a wrong current_password is still 400 invalid_current_password", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await signedInAccount(app, { label: "fresh-wrong" });
    const { status, body } = await jsonOf(postAs(app, "/auth/change-email", account.tokens.access_token, {
      current_password: "not the password",
      new_email: `moved-${crypto.randomUUID()}@example.com`,
    }));
    assertEquals([status, body.code], [400, "invalid_current_password"]);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/delete-account with a factor on: a fresh aal-1 token is 403 reauthentication_required, the password alone 403 mfa_code_required, a fresh aal-2 token proves it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "fresh-factor");
    // The enrolling sign-in is under a minute old but proved a password alone
    const aal1 = account.tokens.access_token;
    assertEquals(claimsOf(aal1).aal, 1);
    const noProof = await jsonOf(postAs(app, "/auth/delete-account", aal1, {}));
    assertEquals([noProof.status, noProof.body.code], [403, "reauthentication_required"]);
    const passwordOnly = await jsonOf(postAs(app, "/auth/delete-account", aal1, { current_password: PASSWORD }));
    assertEquals([passwordOnly.status, passwordOnly.body.code], [403, "mfa_code_required"]);

    const token = await mfaToken(app, account.email, PASSWORD);
    const verified = await jsonOf(
      postJson(app, "/auth/mfa/verify", { mfa_token: token, code: codeNow(app, account.secret) }),
    );
    assertEquals([verified.status, claimsOf(verified.body.access_token).aal], [200, 2]);
    nextStep(app);
    const deleted = await postAs(app, "/auth/delete-account", verified.body.access_token, {});
    assertEquals(deleted.status, 202);
    await deleted.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/change-email with a fresh token still spends the sensitive tier's per-user budget (429 past it)", async () => {
  const app = await accountsApp(database, smtp, { env: { RATE_LIMIT_SENSITIVE_PER_MINUTE: "2" } });
  try {
    const account = await signedInAccount(app, { label: "fresh-budget" });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        await statusOf(postAs(app, "/auth/change-email", account.tokens.access_token, {
          new_email: `moved-${i}-${crypto.randomUUID()}@example.com`,
        })),
      );
    }
    assertEquals(answers, [202, 202, 429]);
  } finally {
    await app.close();
  }
});
