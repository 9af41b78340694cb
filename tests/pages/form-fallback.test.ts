/**
 * The account pages over HTTP, in-process: their headers, that a GET spends nothing, and the
 * form post a browser without scripts sends (POST /account/{page}), which checks Origin.
 */
import { assert, assertEquals, assertStringIncludes } from "../helpers/assert.ts";
import { postJson } from "../helpers/http.ts";
import { PAGE_DEFINITIONS } from "../../src/routes/pages/page-definitions.ts";
import { ACCOUNT_PAGES } from "../../src/mail/account-links.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { signedInAccount, signIn } from "../helpers/accounts.ts";
import { mailWithSubject, SUBJECTS, tokenIn } from "../selfservice/_helpers.ts";

const { database, smtp } = await accountsBackends();
const app = await accountsApp(database, smtp);
Deno.test.afterAll(() => app.close());

const OWN_ORIGIN = "http://localhost:8000";
const RESET = PAGE_DEFINITIONS["reset-password"].messages;

function formPost(path: string, fields: Record<string, string>, headers: Record<string, string>) {
  return app.request(path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The outcome text the answered page shows for the main form. */
async function outcomeOf(response: Response): Promise<string> {
  const html = await response.text();
  return /data-outcome="act"[^>]*>([^<]*)</.exec(html)?.[1] ?? "";
}

async function resetToken(email: string): Promise<string> {
  assertEquals((await postJson(app, "/auth/request-password-reset", { email })).status, 202);
  return tokenIn(await mailWithSubject(app, smtp, email, SUBJECTS.reset), "reset");
}

Deno.test("GET /account/{page}: HTML with a strict CSP, no-referrer, never framed, never cached, nothing inline", async () => {
  for (const page of ACCOUNT_PAGES) {
    const response = await app.request(`/account/${page}`);
    assertEquals(response.status, 200, page);
    assertStringIncludes(response.headers.get("Content-Type") ?? "", "text/html");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    for (
      const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"]
    ) {
      assertStringIncludes(csp, directive, `${page} CSP`);
    }
    assert(!csp.includes("unsafe-inline") && !csp.includes("http"), `${page} CSP allows nothing else: ${csp}`);
    assertEquals(response.headers.get("Referrer-Policy"), "no-referrer");
    assertEquals(response.headers.get("X-Frame-Options"), "DENY");
    assertEquals(response.headers.get("Cache-Control"), "no-store");
    const html = await response.text();
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1]);
    assertEquals(scripts, [' src="/account/assets/account-pages.js" defer'], `${page}: one script, from a file`);
    assert(!/\sstyle=|\son[a-z]+=/i.test(html), `${page}: no inline style or handler`);
    const references = [...html.matchAll(/(?:src|href|action)="([^"]+)"/g)].map((match) => match[1]);
    assert(references.every((url) => url.startsWith("/account/")), `${page} loads only its own files: ${references}`);
  }
  assertEquals((await app.request("/account/no-such-page")).status, 404, "no page without its route");
});

Deno.test("GET /account/reset-password?token=… spends nothing: a mail scanner's visit leaves the token working", async () => {
  const { email } = await signedInAccount(app, { label: "scanner" });
  const token = await resetToken(email);
  for (let visit = 0; visit < 3; visit++) {
    const response = await app.request(`/account/reset-password?token=${token}`);
    await response.body?.cancel();
  }
  const reset = await postJson(app, "/auth/reset-password", { token, new_password: "after the scanner left" });
  assertEquals(reset.status, 200, "the token still works");
});

Deno.test("POST /account/reset-password: another site's form post is refused with a page and changes nothing", async () => {
  const { email } = await signedInAccount(app, { label: "cross-site" });
  const token = await resetToken(email);
  const fields = {
    intent: "act",
    token,
    new_password: "chosen by the attacker",
    confirm_password: "chosen by the attacker",
  };
  for (
    const headers of [
      { Origin: "https://evil.example" } as Record<string, string>,
      { Origin: "null", "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site" },
      {},
    ]
  ) {
    const response = await formPost("/account/reset-password", fields, headers);
    assertEquals(response.status, 403, JSON.stringify(headers));
    assertStringIncludes(response.headers.get("Content-Type") ?? "", "text/html");
    assertEquals(await outcomeOf(response), RESET.cross_site.replaceAll("'", "&#39;"));
  }
  assertEquals((await postJson(app, "/auth/signin", { email, password: fields.new_password })).status, 401);
  const reset = await postJson(app, "/auth/reset-password", { token, new_password: "the owner's own choice" });
  assertEquals(reset.status, 200, "the token was not spent");
});

Deno.test("POST /account/reset-password from the page itself: mismatch and policy reasons in words, then done", async () => {
  const { email } = await signedInAccount(app, { label: "fallback" });
  const token = await resetToken(email);
  const post = (fields: Record<string, string>, headers: Record<string, string> = { Origin: OWN_ORIGIN }) =>
    formPost("/account/reset-password", { intent: "act", token, ...fields }, headers);

  const mismatch = await post({ new_password: "one passphrase here", confirm_password: "another passphrase" });
  assertEquals([mismatch.status, await outcomeOf(mismatch)], [422, RESET.mismatch]);
  const breached = await post({ new_password: "password123", confirm_password: "password123" });
  assertEquals(breached.status, 422);
  const html = await breached.text();
  assertStringIncludes(html, "Too common or known from a data breach; choose another one");
  assertStringIncludes(html, 'aria-invalid="true"');
  assert(!html.includes(token), "the token is never written back into the page");

  // A browser under no-referrer may send Origin: null; Sec-Fetch-Site vouches for its own page
  const done = await post(
    { new_password: "set without scripts", confirm_password: "set without scripts" },
    { Origin: "null", "Sec-Fetch-Site": "same-origin" },
  );
  assertEquals([done.status, await outcomeOf(done)], [200, RESET.done]);
  await signIn(app, email, "set without scripts");

  const again = await post({ new_password: "once more with it", confirm_password: "once more with it" });
  assertEquals([again.status, await outcomeOf(again)], [400, RESET.invalid_reset_token]);
});

Deno.test("POST /account/cancel-account-deletion from the page: the pasted token keeps the account; markup in it is inert", async () => {
  const { email, tokens } = await signedInAccount(app, { label: "fallback-cancel" });
  const deleted = await postJson(app, "/auth/delete-account", { current_password: "correct horse battery" }, {
    Authorization: `Bearer ${tokens.access_token}`,
  });
  assertEquals(deleted.status, 202);
  const token = tokenIn(await mailWithSubject(app, smtp, email, SUBJECTS.deletion), "cancel");
  const hostile = await formPost("/account/cancel-account-deletion", { token: "<script>alert(1)</script>" }, {
    Origin: OWN_ORIGIN,
  });
  assertEquals(hostile.status, 400);
  assert(!(await hostile.text()).includes("<script>alert"), "nothing posted is written as HTML");
  const kept = await formPost("/account/cancel-account-deletion", { token }, { Origin: OWN_ORIGIN });
  assertEquals(
    [kept.status, await outcomeOf(kept)],
    [200, PAGE_DEFINITIONS["cancel-account-deletion"].messages.done],
  );
  await signIn(app, email);
});
