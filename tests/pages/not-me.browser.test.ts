/**
 * "This wasn't me" in headless Chromium against the development sandbox: a sign-in from a new
 * device mails the owner (read at GET /dev/outbox); its link opens /account/not-me, which changes
 * nothing until the button is pressed; then every session is over, the reset mail arrives, and
 * the reset page finishes with a new password that signs in. A second press says the link is used.
 */
import type { Browser } from "npm:playwright-core@1.65.1";
import { PAGE_DEFINITIONS } from "../../src/routes/pages/page-definitions.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { launchBrowser, recordRequests } from "../helpers/browser.ts";
import { PASSWORD, runningServer, verifiedAccount } from "../helpers/accounts.ts";
import { bearer, postJson, serverAt } from "../helpers/http.ts";
import { until } from "../helpers/until.ts";
import { skipWithout } from "../helpers/installed.ts";
import { type Sandbox, startSandbox } from "../helpers/sandbox.ts";

const TIMEOUT_MS = 15_000;
const NOT_ME = PAGE_DEFINITIONS["not-me"].messages;
const RESET = PAGE_DEFINITIONS["reset-password"].messages;

interface OutboxMessage {
  to: string;
  subject: string;
  link?: string;
}

/** Polls GET /dev/outbox for the newest mail to `to` whose subject matches; returns it. */
async function mailTo(sandbox: Sandbox, to: string, subject: RegExp): Promise<OutboxMessage> {
  let found: OutboxMessage | undefined;
  // Real time: the sandbox's outbox worker delivers on its own timer
  await until(async () => {
    const { messages } = await (await fetch(`${sandbox.url}/dev/outbox?limit=100`)).json() as {
      messages: OutboxMessage[];
    };
    found = messages.find((m) => m.to === to && subject.test(m.subject));
    return found !== undefined;
  }, { timeout: TIMEOUT_MS, interval: 100, what: `a mail "${subject}" to ${to}` });
  return found!;
}

/** The mailed link, on this sandbox: the same path and fragment (APP_URL names another port). */
function onSandbox(sandbox: Sandbox, link: string | undefined): string {
  assert(link, "the mail carries a link to an account page");
  const url = new URL(link);
  return `${sandbox.url}${url.pathname}${url.hash}`;
}

async function signIn(sandbox: Sandbox, email: string, password: string, userAgent?: string) {
  const headers: Record<string, string> = userAgent ? { "User-Agent": userAgent } : {};
  return await postJson(serverAt(sandbox.url), "/auth/signin", { email, password }, headers);
}

Deno.test({
  name: 'GET /account/not-me: from a new-device mail to a finished "this wasn\'t me" and a new password, in Chromium',
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("chromium"),
  async fn() {
    const browser: Browser = await launchBrowser();
    const sandbox = await startSandbox();
    const context = await browser.newContext({ viewport: { width: 1024, height: 760 } });
    try {
      const { email } = await verifiedAccount(runningServer(sandbox.url), { label: "page-notme" });
      const owner = await (await signIn(sandbox, email, PASSWORD)).json();
      const thief = await signIn(sandbox, email, PASSWORD, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0");
      assertEquals(thief.status, 200);
      const thiefs = await thief.json();

      const mail = await mailTo(sandbox, email, /^New sign-in to your Jessy AI account$/);
      const link = onSandbox(sandbox, mail.link);
      assert(new URL(link).pathname === "/account/not-me", link);

      let page = await context.newPage();
      const requests = recordRequests(page);
      await page.goto(link);
      await page.waitForFunction("document.readyState === 'complete' && location.hash === ''");
      assert(!page.url().includes("#"), "the token left the address bar");
      const me = await serverAt(sandbox.url).request("/auth/me", bearer(owner.access_token));
      assertEquals(me.status, 200, "opening the page changed nothing");
      await me.body?.cancel();

      await page.getByRole("button", { name: PAGE_DEFINITIONS["not-me"].action.submit }).click();
      const outcome = page.locator('[data-outcome="act"]');
      await outcome.filter({ hasText: /\S/ }).waitFor({ timeout: TIMEOUT_MS });
      assertEquals((await outcome.innerText()).trim(), NOT_ME.done);
      assertEquals(requests.filter((url) => !url.startsWith(`${sandbox.url}/`)), [], "no other origin");
      for (const token of [owner.access_token, thiefs.access_token]) {
        const after = await serverAt(sandbox.url).request("/auth/me", bearer(token));
        assertEquals(after.status, 401, "every session is over");
        await after.body?.cancel();
      }

      const reset = await mailTo(sandbox, email, /^Reset your Jessy AI password$/);
      page = await context.newPage();
      await page.goto(onSandbox(sandbox, reset.link));
      await page.waitForFunction("document.readyState === 'complete' && location.hash === ''");
      const newPassword = "the owner's own fresh passphrase";
      await page.getByLabel("New password", { exact: true }).fill(newPassword);
      await page.getByLabel("New password, again").fill(newPassword);
      await page.getByRole("button", { name: "Set the new password" }).click();
      const done = page.locator('[data-outcome="act"]');
      await done.filter({ hasText: /\S/ }).waitFor({ timeout: TIMEOUT_MS });
      assertEquals((await done.innerText()).trim(), RESET.done);
      const signedIn = await signIn(sandbox, email, newPassword);
      assertEquals(signedIn.status, 200, "the new password signs in");
      await signedIn.body?.cancel();

      page = await context.newPage();
      await page.goto(link);
      await page.waitForFunction("document.readyState === 'complete' && location.hash === ''");
      await page.getByRole("button", { name: PAGE_DEFINITIONS["not-me"].action.submit }).click();
      const again = page.locator('[data-outcome="act"]');
      await again.filter({ hasText: /\S/ }).waitFor({ timeout: TIMEOUT_MS });
      assertEquals((await again.innerText()).trim(), NOT_ME.invalid_account_token, "a used link says so");
    } finally {
      await context.close();
      await browser.close();
      await sandbox.close();
    }
  },
});
