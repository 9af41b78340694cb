import { assert, assertEquals } from "../helpers/assert.ts";
import { ManualClock } from "../../src/clock.ts";
import { accountsApp, accountsBackends, bodyWithoutRequestId } from "../accounts/_helpers.ts";
import { postAs, postJson } from "../helpers/http.ts";
import { codeNow, enrolledAccount, mfaToken, nextStep, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

async function problemCode(response: Response): Promise<string> {
  return (await response.json()).code;
}

Deno.test("POST /auth/mfa/verify: one TOTP code sent twice at once (two sign-ins) gives exactly one 200", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "replay");
    const tokens = [await mfaToken(app, account.email, PASSWORD), await mfaToken(app, account.email, PASSWORD)];
    const code = codeNow(app, account.secret);
    const answers = await Promise.all(
      tokens.map((mfa_token) => postJson(app, "/auth/mfa/verify", { mfa_token, code })),
    );
    assertEquals(answers.map((answer) => answer.status).sort(), [200, 400]);
    await Promise.all(answers.map((answer) => answer.body?.cancel()));
    // And later within its window, still refused
    app.clock.advance(20_000);
    const later = await postJson(app, "/auth/mfa/verify", {
      mfa_token: await mfaToken(app, account.email, PASSWORD),
      code,
    });
    assertEquals(await problemCode(later), "invalid_mfa_code");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: one recovery code raced twice gives exactly one 200", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "race");
    const tokens = [await mfaToken(app, account.email, PASSWORD), await mfaToken(app, account.email, PASSWORD)];
    const code = account.recoveryCodes[3];
    const answers = await Promise.all(
      tokens.map((mfa_token) => postJson(app, "/auth/mfa/verify", { mfa_token, code })),
    );
    assertEquals(answers.map((answer) => answer.status).sort(), [200, 400]);
    await Promise.all(answers.map((answer) => answer.body?.cancel()));
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: 5 wrong codes kill the mfa_token; the right code after is invalid_mfa_token", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "guess");
    const token = await mfaToken(app, account.email, PASSWORD);
    const right = codeNow(app, account.secret);
    const wrong = right === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      assertEquals(
        await problemCode(await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: wrong })),
        "invalid_mfa_code",
      );
    }
    const after = await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: right });
    assertEquals(after.status, 401);
    assertEquals(await problemCode(after), "invalid_mfa_token");
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: wrong codes across fresh mfa_tokens spend the account's sign-in budget (429)", async () => {
  // auth 5/min: the account's budget is 10 failures an hour. The clock starts on the hour: the
  // limiter's windows are whole hours, and eleven minutes across a boundary would weigh some
  // failures at less than one
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
  const app = await accountsApp(database, smtp, { env: { RATE_LIMIT_AUTH_PER_MINUTE: "5" }, clock });
  try {
    const account = await enrolledAccount(app, "budget");
    const wrong = codeNow(app, account.secret) === "000000" ? "111111" : "000000";
    let spare = "";
    for (let i = 0; i < 10; i++) {
      // A minute apart, so the per-address tier never answers first
      app.clock.advance(61_000);
      const token = await mfaToken(app, account.email, PASSWORD);
      if (i === 9) spare = await mfaToken(app, account.email, PASSWORD);
      assertEquals(
        await problemCode(await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: wrong })),
        "invalid_mfa_code",
      );
    }
    app.clock.advance(61_000);
    const blocked = await postJson(app, "/auth/mfa/verify", { mfa_token: spare, code: codeNow(app, account.secret) });
    assertEquals(blocked.status, 429);
    await blocked.body?.cancel();
    const signin = await postJson(app, "/auth/signin", { email: account.email, password: PASSWORD });
    assertEquals(signin.status, 429);
    await signin.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: an mfa_token used, expired or from before a password change is 401 invalid_mfa_token", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "tokens");
    const used = await mfaToken(app, account.email, PASSWORD);
    assertEquals(
      (await postJson(app, "/auth/mfa/verify", { mfa_token: used, code: codeNow(app, account.secret) })).status,
      200,
    );
    nextStep(app);
    const replayed = await postJson(app, "/auth/mfa/verify", { mfa_token: used, code: codeNow(app, account.secret) });
    assertEquals([replayed.status, await problemCode(replayed)], [401, "invalid_mfa_token"]);

    const expiring = await mfaToken(app, account.email, PASSWORD);
    app.clock.advance(301_000);
    const expired = await postJson(app, "/auth/mfa/verify", {
      mfa_token: expiring,
      code: codeNow(app, account.secret),
    });
    assertEquals([expired.status, await problemCode(expired)], [401, "invalid_mfa_token"]);

    const before = await mfaToken(app, account.email, PASSWORD);
    const changed = await postAs(app, "/auth/change-password", account.tokens.access_token, {
      current_password: PASSWORD,
      new_password: "tangerine submarine orchestra 42",
      mfa_code: codeNow(app, account.secret),
    });
    assertEquals(changed.status, 200, await changed.clone().text());
    nextStep(app);
    const stale = await postJson(app, "/auth/mfa/verify", { mfa_token: before, code: codeNow(app, account.secret) });
    assertEquals([stale.status, await problemCode(stale)], [401, "invalid_mfa_token"]);

    const unknown = await postJson(app, "/auth/mfa/verify", { mfa_token: "nope", code: codeNow(app, account.secret) });
    assertEquals([unknown.status, await problemCode(unknown)], [401, "invalid_mfa_token"]);
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: an mfa_token takes only its own account's codes; no bearer route accepts it", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const alice = await enrolledAccount(app, "alice");
    const bob = await enrolledAccount(app, "bob");
    const token = await mfaToken(app, alice.email, PASSWORD);
    const withBobs = await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: bob.recoveryCodes[0] });
    assertEquals(await problemCode(withBobs), "invalid_mfa_code");
    const asBearer = await app.request("/auth/me", { headers: { Authorization: `Bearer ${token}` } });
    assertEquals([asBearer.status, await problemCode(asBearer)], [401, "invalid_token"]);
    // Bob's code is still his to use
    const bobs = await postJson(app, "/auth/mfa/verify", {
      mfa_token: await mfaToken(app, bob.email, PASSWORD),
      code: bob.recoveryCodes[0],
    });
    assertEquals(bobs.status, 200);
    await bobs.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/verify: every malformed code, and a wrong one, is the same 400 invalid_mfa_code", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const account = await enrolledAccount(app, "malformed");
    const bodies = new Set<string>();
    for (const code of ["", "12345", "1234567", "12a456", "abcde-fghij-k", "😀😀😀😀😀😀", "0".repeat(64)]) {
      const token = await mfaToken(app, account.email, PASSWORD);
      const response = await postJson(app, "/auth/mfa/verify", { mfa_token: token, code });
      assertEquals(response.status, 400, code);
      bodies.add(await bodyWithoutRequestId(response));
    }
    // A wrong code of the right shape answers alike
    const token = await mfaToken(app, account.email, PASSWORD);
    const wrong = codeNow(app, account.secret) === "000000" ? "111111" : "000000";
    bodies.add(await bodyWithoutRequestId(await postJson(app, "/auth/mfa/verify", { mfa_token: token, code: wrong })));
    assertEquals(bodies.size, 1, [...bodies].join("\n"));
    assert([...bodies][0].includes('"code":"invalid_mfa_code"'));
  } finally {
    await app.close();
  }
});
