/**
 * Attacker-chosen text in an activity mail: the user agent of a sign-in is the thief's to write.
 * It reaches the mail without control, format or bidirectional characters, on one line, cut
 * short, and escaped in the HTML part, so it can neither forge lines, links or markup nor
 * disguise itself.
 */
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { verifiedAccount } from "../helpers/accounts.ts";
import { ACTIVITY_ENV, activityMailsTo, signInAs } from "./_helpers.ts";

const { database, smtp } = await accountsBackends();

const HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> \u202Egnp.exe\u202C\u200B ' +
  "\u0007Visit https://evil.example/reset " + "A".repeat(400);
/** Control (but a line break), C1, zero-width and bidirectional characters. */
// deno-lint-ignore no-control-regex -- these are exactly what the test looks for
const HIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;
/** The header as a raw client sends it: the UTF-8 bytes, which the server reads one character per byte. */
const HOSTILE_HEADER = String.fromCharCode(...new TextEncoder().encode(HOSTILE));

Deno.test("POST /auth/signin: a hostile user agent reaches the new-device mail cleaned, shortened and escaped", async () => {
  const app = await accountsApp(database, smtp, { env: ACTIVITY_ENV });
  try {
    const { email } = await verifiedAccount(app, { label: "hostile" });
    await signInAs(app, email, { userAgent: HOSTILE_HEADER });
    await signInAs(app, email, { userAgent: HOSTILE_HEADER });
    const [mail] = await activityMailsTo(app, smtp, email);
    const reported = mail.text.split("\n").find((line) => line.startsWith("  Browser reported: "));
    assert(reported, mail.text);
    const shown = reported.slice("  Browser reported: ".length);
    assert([...shown].length <= 120, `cut short: ${[...shown].length} characters`);
    assert(shown.endsWith("…"), "marked as cut");
    // The bytes of U+202E, U+202C and U+200B arrive as C1 controls; the bell as itself
    assert(!HIDDEN.test(mail.text), "text");
    assert(!HIDDEN.test(mail.html), "html");
    assert(!mail.html.includes("<script>") && !mail.html.includes("<img"), "no markup from the client");
    assert(mail.html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), "the text shown, escaped");
    assertEquals(mail.html.match(/<a /g)?.length, 1, "one link: the service's own");
    assert(mail.text.includes("Device: Unknown device"), "no browser named from the hostile text");
  } finally {
    await app.close();
  }
});
