/**
 * Every link a mail carries points at an account page under ACCOUNT_PAGES_URL (APP_URL when
 * unset), built by accountPageLink and nothing else.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import * as templates from "../../src/mail/templates.ts";
import type { RenderedMail } from "../../src/mail/templates.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { PASSWORD, signedInAccount, uniqueEmail } from "../helpers/accounts.ts";
import { postAs, postJson } from "../helpers/http.ts";
import { moveAccount } from "../selfservice/_helpers.ts";

const PAGES = "https://app.jessy-ai.example/web";
const API = "https://api.jessy-ai.example";
const DUE = new Date("2026-12-01T10:00:00Z");

/** Every URL in a part of a mail: in its text, and in an HTML part's attributes and text alike. */
function urlsIn(part: string): string[] {
  return [...part.replaceAll("&amp;", "&").matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((match) =>
    match[0].replace(/[.,]$/, "")
  );
}

function linksIn(mail: { text: string; html: string }): string[] {
  return [...urlsIn(mail.text), ...urlsIn(mail.html)];
}

function assertPagesLinks(mails: Array<{ subject: string; text: string; html: string }>, base: string): number {
  let count = 0;
  for (const mail of mails) {
    for (const link of linksIn(mail)) {
      assert(
        /^.+\/account\/(reset-password|revert-email-change|cancel-account-deletion)(#token=[A-Za-z0-9_%-]+)?$/.test(
          link,
        ) &&
          link.startsWith(`${base}/account/`),
        `"${mail.subject}" links to ${link}, not an account page under ${base}`,
      );
      count++;
    }
  }
  return count;
}

/** Each template rendered with the pages base; a template added later must be added here. */
const RENDERED: Record<string, RenderedMail> = {
  verificationCodeMail: templates.verificationCodeMail("a@example.com", "042917", 15, DUE),
  signupAttemptMail: templates.signupAttemptMail("a@example.com", PAGES),
  passwordResetMail: templates.passwordResetMail(
    "a@example.com",
    "Ann",
    templates.passwordResetLink(PAGES, "tok_en-1"),
    "tok_en-1",
  ),
  passwordChangedMail: templates.passwordChangedMail("a@example.com", "Ann"),
  passwordChangedByOwnerMail: templates.passwordChangedByOwnerMail("a@example.com", "Ann", PAGES),
  emailChangeCodeMail: templates.emailChangeCodeMail("b@example.com", "042917", 15),
  emailChangeTakenMail: templates.emailChangeTakenMail("b@example.com", PAGES),
  emailChangeRequestedMail: templates.emailChangeRequestedMail("a@example.com", "Ann", PAGES),
  emailChangedMail: templates.emailChangedMail("a@example.com", "Ann", "b@example.com", PAGES, "tok_en-2"),
  accountDeletionMail: templates.accountDeletionMail("a@example.com", "Ann", DUE, PAGES, "tok_en-3"),
  accountDeletedMail: templates.accountDeletedMail("a@example.com"),
};

Deno.test("mail templates: every template's every link is an account page under the base it is given", () => {
  const exported = Object.keys(templates).filter((name) => name.endsWith("Mail"));
  assertEquals(exported.sort(), Object.keys(RENDERED).sort(), "every mail template is rendered here");
  assertPagesLinks(Object.values(RENDERED), PAGES);
  const withLinks = Object.entries(RENDERED).filter(([, mail]) => linksIn(mail).length > 0);
  assertEquals(withLinks.length, 7, "seven mails carry a link");
  for (const [name, mail] of withLinks) {
    assert(urlsIn(mail.text).length > 0 && urlsIn(mail.html).length > 0, `${name}: the link in text and HTML`);
  }
});

Deno.test("mail templates: no template writes a URL or a path except through accountPageLink", async () => {
  const source = await Deno.readTextFile(new URL("../../src/mail/templates.ts", import.meta.url));
  assert(!/https?:\/\//.test(source), "no URL literal in templates.ts");
  assert(!/\$\{[^}]+\}\/[a-z]/i.test(source), "no `${base}/path` built in templates.ts");
  assert(!/\/account\//.test(source), "page paths come from account-links.ts");
});

Deno.test("ACCOUNT_PAGES_URL: every mail the flows send links to the app's pages, none to APP_URL", async () => {
  const { database, smtp } = await accountsBackends();
  const app = await accountsApp(database, smtp, { env: { APP_URL: API, ACCOUNT_PAGES_URL: `${PAGES}/` } });
  try {
    const owner = await signedInAccount(app, { label: "pages-owner" });
    const other = await signedInAccount(app, { label: "pages-other" });
    // Sign-up attempt on a taken address, a reset, a password change, a refused and a done move, a deletion
    assertEquals((await postJson(app, "/auth/signup", { email: owner.email, password: PASSWORD })).status, 201);
    assertEquals((await postJson(app, "/auth/request-password-reset", { email: owner.email })).status, 202);
    const changed = await postAs(app, "/auth/change-password", owner.tokens.access_token, {
      current_password: PASSWORD,
      new_password: PASSWORD + " anew",
    });
    assertEquals(changed.status, 200);
    const { access_token: access } = await changed.json();
    const taken = await postAs(app, "/auth/change-email", access, {
      current_password: PASSWORD + " anew",
      new_email: other.email,
    });
    assertEquals(taken.status, 202);
    const newEmail = uniqueEmail("pages-moved");
    await moveAccount(app, smtp, access, { oldEmail: owner.email, newEmail, password: PASSWORD + " anew" });
    const deleted = await postAs(app, "/auth/delete-account", other.tokens.access_token, {
      current_password: PASSWORD,
    });
    assertEquals(deleted.status, 202);
    await app.deliverMail();

    const mails = [...smtp.inbox(owner.email), ...smtp.inbox(other.email), ...smtp.inbox(newEmail)];
    const subjects = new Set(mails.filter((mail) => linksIn(mail).length > 0).map((mail) => mail.subject));
    assertEquals(subjects.size, 7, `mails with links: ${[...subjects].join(" | ")}`);
    assertPagesLinks(mails, PAGES);
    assert(mails.every((mail) => !mail.text.includes(API) && !mail.html.includes(API)), "nothing points at APP_URL");
  } finally {
    await app.close();
  }
});
