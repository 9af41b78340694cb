/**
 * A mail to an address nobody has proven yet carries no text the requester chose: sign-up's
 * `name` never reaches the verification mail, the "someone tried to sign up" notice, or a
 * reset mail to an unverified account. Names refuse control and bidirectional formatting
 * characters.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { postJson } from "../helpers/http.ts";
import { otpOf, type ReceivedMail } from "../helpers/smtp.ts";
import { accountsApp, accountsBackends } from "./_helpers.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";

const { database, smtp } = await accountsBackends();

const PITCH = "Claim your prize at https://evil.example now";

function assertCarriesNo(mail: ReceivedMail, text: string) {
  for (const part of [mail.subject, mail.text, mail.html]) {
    assert(!part.includes(text) && !part.includes("evil.example"), `${mail.subject} carries "${text}":\n${part}`);
  }
}

Deno.test("the verification mail carries no name; the verified account gets the name of the sign-up it verified", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("pitch");
    assertEquals((await postJson(app, "/auth/signup", { email, password: PASSWORD, name: PITCH })).status, 201);
    await app.deliverMail();
    const [mail] = await smtp.waitForMail(email);
    assertCarriesNo(mail, PITCH);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(mail) })).status, 200);
    const { access_token } = await (await postJson(app, "/auth/signin", { email, password: PASSWORD })).json();
    const me = await app.request("/auth/me", { headers: { Authorization: `Bearer ${access_token}` } });
    assertEquals((await me.json()).name, PITCH, "shown to the owner, who chose it");
  } finally {
    await app.close();
  }
});

Deno.test("the notice to a verified address carries nothing from the new sign-up", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("notice");
    await postJson(app, "/auth/signup", { email, password: PASSWORD, name: "Owner" });
    await app.deliverMail();
    const otp = otpOf((await smtp.waitForMail(email))[0]);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp })).status, 200);
    assertEquals(
      (await postJson(app, "/auth/signup", { email, password: "another password", name: PITCH })).status,
      201,
    );
    await app.deliverMail();
    const notice = (await smtp.waitForMail(email, 2))[1];
    assertEquals(notice.subject, "Someone tried to sign up with your address");
    assertCarriesNo(notice, PITCH);
  } finally {
    await app.close();
  }
});

Deno.test("a reset mail to an unverified account carries no name a sign-up chose", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const email = uniqueEmail("unproven-reset");
    await postJson(app, "/auth/signup", { email, password: PASSWORD, name: PITCH });
    assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
    await app.deliverMail();
    const mails = await smtp.waitForMail(email, 2);
    const reset = mails.find((mail) => mail.subject === "Reset your Jessy AI password");
    assert(reset, "the reset mail arrived");
    for (const mail of mails) assertCarriesNo(mail, PITCH);
  } finally {
    await app.close();
  }
});

Deno.test("names with control or bidirectional formatting characters are a 422 naming the field", async () => {
  const app = await accountsApp(database, smtp);
  try {
    const refused = [
      "evil\u202Egpj.exe", // RIGHT-TO-LEFT OVERRIDE
      "a\u202Ab", // LEFT-TO-RIGHT EMBEDDING
      "a\u2066b\u2069", // LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE
      "a\u200Fb", // RIGHT-TO-LEFT MARK
      "a\u061Cb", // ARABIC LETTER MARK
      "bell\u0007", // C0 control
      "a\u0085b", // C1 control (NEXT LINE)
      "line\u2028break", // LINE SEPARATOR
    ];
    for (const name of refused) {
      const response = await postJson(app, "/auth/signup", { email: uniqueEmail("name"), password: PASSWORD, name });
      assertEquals(response.status, 422, JSON.stringify(name));
      const body = await response.json();
      assertEquals(body.code, "validation_failed");
      assertEquals(body.errors.map((error: { path: string }) => error.path), ["name"], JSON.stringify(name));
    }
    for (const name of ["Zoë O'Brien-Łukasiewicz", "محمد", "👩‍💻 Ada"]) {
      const response = await postJson(app, "/auth/signup", { email: uniqueEmail("name"), password: PASSWORD, name });
      assertEquals(response.status, 201, name);
      await response.body?.cancel();
    }
  } finally {
    await app.close();
  }
});
