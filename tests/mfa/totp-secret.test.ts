import { assert, assertEquals } from "../helpers/assert.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount } from "../helpers/accounts.ts";
import { claimsOf } from "../helpers/claims.ts";
import { PRODUCTION_ENV } from "../helpers/env.ts";
import { postAs } from "../helpers/http.ts";
import { TOTP_ENROLMENT_TTL_SECONDS } from "../../src/services/mfa/enrolment.ts";
import { codeNow, PASSWORD } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

async function problemCode(response: Response): Promise<string> {
  return (await response.json()).code;
}

Deno.test("POST /auth/mfa/totp in production without KEY_ENCRYPTION_KEY is 409 conflict and stores nothing; with the key it enrols", async () => {
  const withoutKey = await accountsApp(database, smtp, { env: PRODUCTION_ENV });
  try {
    const { tokens } = await signedInAccount(withoutKey, { label: "nokek" });
    const refused = await postAs(withoutKey, "/auth/mfa/totp", tokens.access_token, {});
    assertEquals([refused.status, await problemCode(refused)], [409, "conflict"]);
    const rows = await database.db.selectFrom("totp_factors").select("user_id")
      .where("user_id", "=", claimsOf(tokens.access_token).sub as string).execute();
    assertEquals(rows, [], "no secret was made or stored");
  } finally {
    await withoutKey.close();
  }
  const withKey = await accountsApp(database, smtp, {
    env: {
      ...PRODUCTION_ENV,
      KEY_ENCRYPTION_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
    },
  });
  try {
    const { tokens } = await signedInAccount(withKey, { label: "kek" });
    const enrolled = await postAs(withKey, "/auth/mfa/totp", tokens.access_token, {});
    assertEquals(enrolled.status, 200, await enrolled.clone().text());
    await enrolled.body?.cancel();
  } finally {
    await withKey.close();
  }
});

Deno.test("the TOTP secret is in POST /auth/mfa/totp's answer alone: activate, GET /auth/mfa, a second enrolment and the stored row never show it", async () => {
  const app = await accountsApp(database, smtp, { env: { RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000" } });
  try {
    const { email, tokens } = await signedInAccount(app, { label: "secret" });
    const userId = claimsOf(tokens.access_token).sub as string;
    const started = await (await postAs(app, "/auth/mfa/totp", tokens.access_token, {})).json();
    const secret: string = started.secret;
    const stored = await database.db.selectFrom("totp_factors").select("secret_sealed").where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    // Sealed at rest: neither the base32 text nor its bytes in any usual encoding
    const bytes = base32Bytes(secret);
    for (const form of [secret, secret.toLowerCase(), hex(bytes), btoa(String.fromCharCode(...bytes))]) {
      assert(!stored.secret_sealed.includes(form), "the stored row holds the secret in clear");
    }

    const answers: string[] = [];
    const activated = await postAs(app, "/auth/mfa/totp/activate", tokens.access_token, {
      code: codeNow(app, secret),
    });
    assertEquals(activated.status, 200);
    answers.push(await activated.text());
    answers.push(
      await (await app.request("/auth/mfa", { headers: { Authorization: `Bearer ${tokens.access_token}` } }))
        .text(),
    );
    const again = await postAs(app, "/auth/mfa/totp", tokens.access_token, { current_password: PASSWORD });
    assertEquals(again.status, 409);
    answers.push(await again.text());
    const signin = await app.request("/auth/signin", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    answers.push(await signin.text());
    for (const answer of answers) {
      assert(!answer.includes(secret) && !answer.includes(encodeURIComponent(secret)), `secret shown in ${answer}`);
    }
  } finally {
    await app.close();
  }
});

Deno.test("POST /auth/mfa/totp/activate after the enrolment's 10 minutes is 409 conflict; a new enrolment has a new secret and the old one's codes are refused", async () => {
  const app = await accountsApp(database, smtp, { env: { RATE_LIMIT_SENSITIVE_PER_MINUTE: "1000" } });
  try {
    const { tokens } = await signedInAccount(app, { label: "expiring" });
    const first = await (await postAs(app, "/auth/mfa/totp", tokens.access_token, {})).json();
    app.clock.advance((TOTP_ENROLMENT_TTL_SECONDS + 1) * 1000);
    const late = await postAs(app, "/auth/mfa/totp/activate", tokens.access_token, {
      code: codeNow(app, first.secret),
    });
    assertEquals([late.status, await problemCode(late)], [409, "conflict"]);

    // The session's sign-in is now over 5 minutes old: a new enrolment takes the password
    const second = await (await postAs(app, "/auth/mfa/totp", tokens.access_token, { current_password: PASSWORD }))
      .json();
    assert(second.secret !== first.secret, "a new enrolment has a new secret");
    const oldCode = await postAs(app, "/auth/mfa/totp/activate", tokens.access_token, {
      code: codeNow(app, first.secret),
    });
    assertEquals([oldCode.status, await problemCode(oldCode)], [400, "invalid_mfa_code"]);
    const activated = await postAs(app, "/auth/mfa/totp/activate", tokens.access_token, {
      code: codeNow(app, second.secret),
    });
    assertEquals(activated.status, 200);
    await activated.body?.cancel();
  } finally {
    await app.close();
  }
});

/** RFC 4648 base32 to bytes. */
function base32Bytes(text: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/=+$/, "")) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  return Uint8Array.from(bits.match(/.{8}/g) ?? [], (byte) => parseInt(byte, 2));
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
