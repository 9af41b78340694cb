/**
 * HMAC_SECRET rotation: a pending verification code and a pending reset link survive a
 * rotation of HMAC_SECRET (and of JWT_SECRET at the same time), because each stored HMAC
 * names the key that made it and the previous key still checks it.
 */
import { keyFingerprint } from "../../src/services/secrets.ts";
import { postJson } from "../helpers/http.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { TEST_SECRETS } from "../helpers/env.ts";
import { otpOf, resetTokenOf } from "../helpers/smtp.ts";
import { type AccountsApp, accountsApp, accountsBackends } from "./_helpers.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";

const { database, smtp } = await accountsBackends();
const H1 = "hmac-secret-one-0123456789abcdef0123456789";
const H2 = "hmac-secret-two-0123456789abcdef0123456789";
const JWT_NEXT = "access-secret-after-rotation-0123456789abcdef";

/** A pending code: signed up, mail delivered, not verified yet. */
async function pendingCode(app: AccountsApp, label: string) {
  const email = uniqueEmail(label);
  assertEquals((await postJson(app, "/auth/signup", { email, password: PASSWORD })).status, 201);
  await app.deliverMail();
  return { email, otp: otpOf((await smtp.waitForMail(email))[0]) };
}

/** A pending reset link of a verified account. */
async function pendingReset(app: AccountsApp, label: string) {
  const { email, otp } = await pendingCode(app, label);
  assertEquals((await postJson(app, "/auth/verify-email", { email, otp })).status, 200);
  assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
  await app.deliverMail();
  await smtp.waitForMail(email, 2);
  const mail = smtp.inbox(email).find((each) => each.subject === "Reset your Jessy AI password");
  assert(mail, "the reset mail arrived");
  return { email, token: resetTokenOf(mail) };
}

async function keyIdsOf(email: string) {
  const user = await database.db.selectFrom("users").select("id").where("email_normalized", "=", email)
    .executeTakeFirstOrThrow();
  const otp = await database.db.selectFrom("email_otps").select("hmac_key_id").where("user_id", "=", user.id)
    .orderBy("created_at", "desc").executeTakeFirst();
  const reset = await database.db.selectFrom("password_reset_tokens").select("hmac_key_id")
    .where("user_id", "=", user.id).executeTakeFirst();
  return { otp: otp?.hmac_key_id, reset: reset?.hmac_key_id };
}

async function withApp<T>(env: Record<string, string>, body: (app: AccountsApp) => Promise<T>): Promise<T> {
  const app = await accountsApp(database, smtp, { env });
  try {
    return await body(app);
  } finally {
    await app.close();
  }
}

Deno.test("a pending code and reset link survive rotating HMAC_SECRET and JWT_SECRET together", async () => {
  const before = { HMAC_SECRET: H1 };
  const { code, reset } = await withApp(before, async (app) => ({
    code: await pendingCode(app, "rotate-code"),
    reset: await pendingReset(app, "rotate-reset"),
  }));
  assertEquals((await keyIdsOf(code.email)).otp, keyFingerprint(H1));
  assertEquals((await keyIdsOf(reset.email)).reset, keyFingerprint(H1));

  const after = {
    HMAC_SECRET: H2,
    HMAC_SECRET_PREVIOUS: H1,
    JWT_SECRET: JWT_NEXT,
    JWT_SECRET_PREVIOUS: TEST_SECRETS.JWT_SECRET,
  };
  await withApp(after, async (app) => {
    assertEquals((await postJson(app, "/auth/verify-email", code)).status, 200);
    const response = await postJson(app, "/auth/reset-password", {
      token: reset.token,
      new_password: "a rotated passphrase",
    });
    assertEquals(response.status, 200);
    // New rows are keyed by the new secret
    const fresh = await pendingCode(app, "rotate-fresh");
    assertEquals((await keyIdsOf(fresh.email)).otp, keyFingerprint(H2));
  });
});

Deno.test("once HMAC_SECRET_PREVIOUS is gone, codes and links keyed by it are refused", async () => {
  const { code, reset } = await withApp({ HMAC_SECRET: H1 }, async (app) => ({
    code: await pendingCode(app, "dropped-code"),
    reset: await pendingReset(app, "dropped-reset"),
  }));
  await withApp({ HMAC_SECRET: H2 }, async (app) => {
    const verify = await postJson(app, "/auth/verify-email", code);
    assertEquals([verify.status, (await verify.json()).code], [400, "invalid_otp"]);
    const response = await postJson(app, "/auth/reset-password", {
      token: reset.token,
      new_password: "a rotated passphrase",
    });
    assertEquals([response.status, (await response.json()).code], [400, "invalid_reset_token"]);
  });
});

Deno.test("setting HMAC_SECRET for the first time keeps codes keyed from JWT_SECRET when it is named as previous", async () => {
  // HMAC_SECRET unset: codes are keyed from JWT_SECRET, as before key ids
  const code = await withApp({}, (app) => pendingCode(app, "first-hmac"));
  assertEquals((await keyIdsOf(code.email)).otp, keyFingerprint(TEST_SECRETS.JWT_SECRET));
  await withApp({ HMAC_SECRET: H1, HMAC_SECRET_PREVIOUS: TEST_SECRETS.JWT_SECRET }, async (app) => {
    assertEquals((await postJson(app, "/auth/verify-email", code)).status, 200);
  });
});
