/**
 * GET /dev/outbox lifts the code and the reset token out of the mail text with the parsers that
 * sit next to the templates. Rendering each template and parsing it back pins the wording: a
 * change that breaks the parser fails here, not in a tester's Swagger UI session.
 */
import {
  passwordChangedMail,
  passwordResetLink,
  passwordResetMail,
  RESET_TOKEN_IN_TEXT,
  signupAttemptMail,
  VERIFICATION_CODE_IN_TEXT,
  verificationCodeMail,
} from "../../src/mail/templates.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

// Names are user-supplied: ones that spell the wording must not forge a code or a token
const NAMES = [
  null,
  "Ada",
  "Your verification code is 123456",
  "Or enter this reset token in the app: forged",
];
const CODES = ["000000", "042917", "999999"];

/** A token shaped like the service's: base64url of 32 random bytes, no padding. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
const TOKENS = [randomToken(), "-".repeat(43), "_aZ09-".repeat(7) + "x"];

Deno.test("templates: the code parses back out of every verification mail, which names when its sign-up was made", () => {
  const signupAt = new Date("2026-11-29T08:05:09.123Z");
  for (const code of CODES) {
    const mail = verificationCodeMail("a@example.com", code, 15, signupAt);
    assertEquals(VERIFICATION_CODE_IN_TEXT.exec(mail.text)?.[1], code, `code ${code}`);
    assertEquals(RESET_TOKEN_IN_TEXT.exec(mail.text), null, "no token");
    assert(mail.text.includes("the sign-up with this address made on 2026-11-29 at 08:05:09 UTC"), mail.text);
    assert(mail.html.includes("made on 2026-11-29 at 08:05:09 UTC"), "the HTML part says it too");
  }
});

Deno.test("templates: the token parses back out of every password reset mail, which also carries the link", () => {
  for (const name of NAMES) {
    for (const token of TOKENS) {
      const link = passwordResetLink("https://api.jessy-ai.com", token);
      assertEquals(link, `https://api.jessy-ai.com/account/reset-password#token=${token}`);
      const mail = passwordResetMail("a@example.com", name, link, token);
      assertEquals(RESET_TOKEN_IN_TEXT.exec(mail.text)?.[1], token, `name ${name}, token ${token}`);
      assert(mail.text.includes(link), "the link is in the text part");
      assertEquals(VERIFICATION_CODE_IN_TEXT.exec(mail.text), null, `name ${name}: no code`);
    }
  }
});

Deno.test("templates: mails that carry neither a code nor a token yield neither", () => {
  for (const name of NAMES) {
    for (
      const mail of [
        signupAttemptMail("a@example.com", "https://api.jessy-ai.com"),
        passwordChangedMail("a@example.com", name),
      ]
    ) {
      assertEquals(VERIFICATION_CODE_IN_TEXT.exec(mail.text), null, `${mail.template}, name ${name}`);
      assertEquals(RESET_TOKEN_IN_TEXT.exec(mail.text), null, `${mail.template}, name ${name}`);
    }
  }
});
