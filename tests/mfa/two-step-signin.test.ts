import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { claimsOf } from "../helpers/claims.ts";
import { postAs, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, mfaToken, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

Deno.test("POST /auth/mfa/totp returns the secret, an otpauth URI with MFA_ISSUER and the address, and a QR SVG", async () => {
  const app = await accountsApp(database, smtp, { env: { MFA_ISSUER: "Acme Test" } });
  try {
    const { email, tokens } = await signedInAccount(app, { label: "enrol" });
    const response = await postAs(app, "/auth/mfa/totp", tokens.access_token, {});
    assertEquals(response.status, 200);
    const body = await response.json();
    assert(/^[A-Z2-7]{32}$/.test(body.secret), body.secret);
    const uri = new URL(body.otpauth_uri);
    assertEquals(uri.protocol, "otpauth:");
    assertEquals(uri.searchParams.get("issuer"), "Acme Test");
    assertEquals(uri.searchParams.get("secret"), body.secret);
    assert(decodeURIComponent(uri.pathname).endsWith(`Acme Test:${email}`), uri.pathname);
    assert(body.qr_svg.startsWith("<svg"), body.qr_svg.slice(0, 20));
    // Nothing changes for sign-in until the first code
    const signin = await (await postJson(app, "/auth/signin", { email, password: PASSWORD })).json();
    assert(signin.access_token, "a pending enrolment does not ask for a second factor");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/totp/activate turns the factor on: POST /auth/signin answers mfa_required and no token, verify gives a pair at aal 2, GET /auth/mfa reports it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "twostep");
    assertEquals(account.recoveryCodes.length, 10);
    const response = await postJson(app, "/auth/signin", { email: account.email, password: PASSWORD });
    assertEquals(response.status, 200);
    const challenge = await response.json();
    assertEquals(Object.keys(challenge).sort(), ["expires_in", "methods", "mfa_required", "mfa_token"]);
    assertEquals(challenge.mfa_required, true);
    assertEquals(challenge.expires_in, 300);
    assertEquals(challenge.methods, ["totp", "recovery_code"]);

    const verified = await postJson(app, "/auth/mfa/verify", {
      mfa_token: challenge.mfa_token,
      code: codeNow(app, account.secret),
    });
    assertEquals(verified.status, 200, await verified.clone().text());
    const pair = await verified.json();
    const claims = claimsOf(pair.access_token);
    assertEquals(claims.amr, ["pwd", "otp"]);
    assertEquals(claims.aal, 2);
    assertEquals(claims.auth_time, Math.floor(app.clock.now().getTime() / 1000));

    // A refresh proves nothing new: it keeps how and when the sign-in was proven
    app.clock.advance(60_000);
    const refreshed = await (await postJson(app, "/auth/refresh", { refresh_token: pair.refresh_token })).json();
    const refreshedClaims = claimsOf(refreshed.access_token);
    assertEquals(refreshedClaims.amr, ["pwd", "otp"]);
    assertEquals(refreshedClaims.aal, 2);
    assertEquals(refreshedClaims.auth_time, claims.auth_time);

    const sessions = await (await app.request("/auth/sessions", {
      headers: { Authorization: `Bearer ${refreshed.access_token}` },
    })).json();
    const current = sessions.sessions.find((session: { current: boolean }) => session.current);
    assertEquals(current.amr, ["pwd", "otp"]);
    assertEquals(current.aal, 2);
    assertEquals(new Date(current.auth_time).getTime() / 1000, claims.auth_time);

    const status = await (await app.request("/auth/mfa", {
      headers: { Authorization: `Bearer ${refreshed.access_token}` },
    })).json();
    assertEquals(status.enabled, true);
    assertEquals(status.methods, ["totp"]);
    assertEquals(status.recovery_codes_left, 10);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify with a recovery code signs in with amr pwd+mfa, uses it up and mails the owner", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "recovery");
    const token = await mfaToken(app, account.email, PASSWORD);
    const verified = await postJson(app, "/auth/mfa/verify", {
      mfa_token: token,
      code: account.recoveryCodes[0].toUpperCase(),
    });
    assertEquals(verified.status, 200, await verified.clone().text());
    const claims = claimsOf((await verified.json()).access_token);
    assertEquals(claims.amr, ["pwd", "mfa"]);
    assertEquals(claims.aal, 2);

    const again = await postJson(app, "/auth/mfa/verify", {
      mfa_token: await mfaToken(app, account.email, PASSWORD),
      code: account.recoveryCodes[0],
    });
    assertEquals(again.status, 400);
    assertEquals((await again.json()).code, "invalid_mfa_code");
    await app.deliverMail();
    // The activity mails (one notice each, or a digest of several)
    const texts = smtp.inbox(account.email).map((mail) => mail.text).join("\n");
    assert(texts.includes("Someone just signed in with one of your recovery codes"), texts);
    assert(texts.includes("An authenticator app was just set up"), texts);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/signin without a factor still signs in with amr pwd at aal 1", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const { tokens } = await signedInAccount(app, { label: "plain" });
    const claims = claimsOf(tokens.access_token);
    assertEquals(claims.amr, ["pwd"]);
    assertEquals(claims.aal, 1);
    assertEquals(claims.auth_time, claims.iat);
  } finally {
    await app.close();
  }
});

Deno.test("GET /dev/mfa/code answers the factor's current code in development; 404 for an address without one", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "devcode");
    const response = await app.request(`/dev/mfa/code?email=${encodeURIComponent(account.email.toUpperCase())}`);
    assertEquals(response.status, 200);
    const { code } = await response.json();
    assertEquals(code, codeNow(app, account.secret));
    const verified = await postJson(app, "/auth/mfa/verify", {
      mfa_token: await mfaToken(app, account.email, PASSWORD),
      code,
    });
    assertEquals(verified.status, 200);
    await verified.body?.cancel();
    const none = await app.request("/dev/mfa/code?email=nobody%40example.com");
    assertEquals(none.status, 404);
    await none.body?.cancel();
  } finally {
    await app.close();
  }
});
