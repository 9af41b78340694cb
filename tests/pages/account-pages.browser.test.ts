/**
 * The account pages in headless Chromium against the development sandbox, as a person meets
 * them: the link from GET /dev/outbox, a finished reset, undo and cancel (each then checked
 * through the API), the messages for expired, reused and refused input, the same reset with
 * scripts off, and on every page: the fragment gone from the address bar, no request to
 * another origin, no serious or critical axe-core violation.
 *
 * UPDATE_SCREENSHOTS=1 also writes the pages' screenshots (desktop and phone) to docs/pages/.
 */
import type { Browser, BrowserContext, Page } from "npm:playwright-core@1.65.1";
import axeSource from "npm:axe-core@4.14.1/axe.min.js" with { type: "text" };
import { systemClock } from "../../src/clock.ts";
import { PAGE_DEFINITIONS } from "../../src/routes/pages/page-definitions.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { launchBrowser, recordRequests, screenshot } from "../helpers/browser.ts";
import { runningServer, verifiedAccount } from "../helpers/accounts.ts";
import { postJson, serverAt } from "../helpers/http.ts";
import { until } from "../helpers/until.ts";
import { skipWithout } from "../helpers/installed.ts";
import { type Sandbox, startSandbox } from "../helpers/sandbox.ts";

const TIMEOUT_MS = 15_000;
const RESET_SUBJECT = "Reset your Jessy AI password";
const MESSAGES = {
  reset: PAGE_DEFINITIONS["reset-password"].messages,
  revert: PAGE_DEFINITIONS["revert-email-change"].messages,
  cancel: PAGE_DEFINITIONS["cancel-account-deletion"].messages,
};

/** Wall time moved forward by `skippedMs`, timers real: the sandbox's tokens expire without waiting. */
let skippedMs = 0;
const movableClock = { ...systemClock, now: () => new Date(Date.now() + skippedMs) };

interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  link?: string;
  reset_token?: string;
}

/** Polls GET /dev/outbox for a mail to `to` with `subject` not seen before; returns it. */
async function nextMail(sandbox: Sandbox, to: string, subject: string, seen: Set<string>): Promise<OutboxMessage> {
  let found: OutboxMessage | undefined;
  // Real time: the sandbox's outbox worker delivers on its own timer
  await until(async () => {
    const { messages } = await (await fetch(`${sandbox.url}/dev/outbox?limit=100`)).json() as {
      messages: OutboxMessage[];
    };
    found = messages.find((m) => m.to === to && m.subject === subject && !seen.has(m.id));
    return found !== undefined;
  }, { timeout: TIMEOUT_MS, interval: 100, what: `a new "${subject}" mail to ${to}` });
  seen.add(found!.id);
  return found!;
}

/** The mailed link, on this sandbox: the same path and fragment (APP_URL names another port). */
function onSandbox(sandbox: Sandbox, link: string | undefined): string {
  assert(link, "the mail carries a link to an account page");
  const url = new URL(link);
  assertEquals(url.origin, "http://localhost:8000", "the link is built from APP_URL");
  return `${sandbox.url}${url.pathname}${url.hash}`;
}

async function requestReset(sandbox: Sandbox, email: string, seen: Set<string>): Promise<OutboxMessage> {
  assertEquals((await postJson(serverAt(sandbox.url), "/auth/request-password-reset", { email })).status, 202);
  return await nextMail(sandbox, email, RESET_SUBJECT, seen);
}

async function signInStatus(sandbox: Sandbox, email: string, password: string): Promise<number> {
  const response = await postJson(serverAt(sandbox.url), "/auth/signin", { email, password });
  await response.body?.cancel();
  return response.status;
}

async function accessToken(sandbox: Sandbox, email: string, password: string): Promise<string> {
  const response = await postJson(serverAt(sandbox.url), "/auth/signin", { email, password });
  assertEquals(response.status, 200);
  return (await response.json()).access_token;
}

/** Opens a page and checks what every page must: the fragment gone, nothing from elsewhere, axe clean. */
async function openPage(page: Page, url: string, sandbox: Sandbox): Promise<void> {
  const requests = recordRequests(page);
  await page.goto(url);
  await page.waitForFunction("document.readyState === 'complete' && location.hash === ''");
  assert(!page.url().includes("#"), `the fragment left the address bar: ${page.url()}`);
  await expectNoSeriousAxeViolations(page);
  const foreign = requests.filter((request) => !request.startsWith(`${sandbox.url}/`));
  assertEquals(foreign, [], "requests to another origin");
}

/** axe-core, run in the page through the DevTools protocol (the page's CSP refuses injected scripts). */
async function expectNoSeriousAxeViolations(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const { violations, passes } = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    // deno-lint-ignore no-explicit-any
    const result = await axe.run((globalThis as any).document, {
      runOnly: ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"],
    });
    return {
      passes: result.passes.length as number,
      violations: result.violations.map((v: { id: string; impact: string; nodes: unknown[] }) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.length,
      })),
    };
  });
  assert(passes > 10, `axe checked the page (${passes} rules passed)`);
  const serious = violations.filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical");
  assertEquals(serious, [], `axe violations on ${page.url()}`);
}

async function outcomeText(page: Page, intent = "act"): Promise<string> {
  const region = page.locator(`[data-outcome="${intent}"]`);
  await region.filter({ hasText: /\S/ }).waitFor({ timeout: TIMEOUT_MS });
  return (await region.innerText()).trim();
}

async function maybeScreenshots(context: BrowserContext, phone: BrowserContext, url: string, name: string) {
  if (Deno.env.get("UPDATE_SCREENSHOTS") !== "1") return;
  for (const [viewport, ctx] of [["desktop", context], ["phone", phone]] as const) {
    const page = await ctx.newPage();
    await page.goto(url);
    await page.waitForFunction("location.hash === ''");
    const path = new URL(`../../docs/pages/${name}-${viewport}.png`, import.meta.url).pathname;
    await page.screenshot({ path, fullPage: viewport === "phone" });
    await page.close();
  }
}

Deno.test({
  name: "account pages: from the outbox to a finished reset, undo and cancel, in Chromium, with and without scripts",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("chromium"),
  async fn(t) {
    const browser: Browser = await launchBrowser();
    const sandbox = await startSandbox({}, { clock: movableClock });
    const context = await browser.newContext({ viewport: { width: 1024, height: 760 } });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const seen = new Set<string>();
    let page = await context.newPage();
    try {
      await t.step("GET /account/reset-password: a refused, then an accepted reset; the link works once", async () => {
        const { email, password } = await verifiedAccount(runningServer(sandbox.url), { label: "page-reset" });
        const mail = await requestReset(sandbox, email, seen);
        const link = onSandbox(sandbox, mail.link);
        await maybeScreenshots(context, phone, link, "reset-password");
        await openPage(page, link, sandbox);
        assert(await page.locator("[data-token-field]").isHidden(), "the token from the link needs no typing");

        await page.getByLabel("New password", { exact: true }).fill("a brand new passphrase");
        await page.getByLabel("New password, again").fill("a different passphrase");
        await page.getByRole("button", { name: "Set the new password" }).click();
        assertEquals(await outcomeText(page), MESSAGES.reset.mismatch);

        await page.getByLabel("New password", { exact: true }).fill("password123");
        await page.getByLabel("New password, again").fill("password123");
        await page.getByRole("button", { name: "Set the new password" }).click();
        assertEquals(await outcomeText(page), MESSAGES.reset.password_breached);
        const reason = await page.locator("#new-password-error").innerText();
        assertEquals(reason, "Too common or known from a data breach; choose another one", "the policy's reason");
        assertEquals(await page.getByLabel("New password", { exact: true }).getAttribute("aria-invalid"), "true");

        const newPassword = "a brand new passphrase";
        await page.getByLabel("New password", { exact: true }).fill(newPassword);
        await page.getByLabel("New password, again").fill(newPassword);
        await page.keyboard.press("Enter");
        assertEquals(await outcomeText(page), MESSAGES.reset.done);
        assert(await page.locator("form[data-intent=act]").isHidden(), "the finished form is gone");
        await expectNoSeriousAxeViolations(page);
        assertEquals(await signInStatus(sandbox, email, newPassword), 200, "the new password signs in");
        assertEquals(await signInStatus(sandbox, email, password), 401, "the old one no longer does");

        page = await context.newPage();
        await openPage(page, link, sandbox);
        await page.getByLabel("New password", { exact: true }).fill("yet another passphrase");
        await page.getByLabel("New password, again").fill("yet another passphrase");
        await page.getByRole("button", { name: "Set the new password" }).click();
        assertEquals(await outcomeText(page), MESSAGES.reset.invalid_reset_token, "a used link says so");
        assert(await page.locator("[data-token-field]").isVisible(), "the refused token can be replaced by hand");
      });

      await t.step("an expired reset link says so; the page mails a new link", async () => {
        const { email } = await verifiedAccount(runningServer(sandbox.url), { label: "page-expired" });
        const mail = await requestReset(sandbox, email, seen);
        skippedMs += 16 * 60_000;
        page = await context.newPage();
        await openPage(page, onSandbox(sandbox, mail.link), sandbox);
        await page.getByLabel("New password", { exact: true }).fill("a brand new passphrase");
        await page.getByLabel("New password, again").fill("a brand new passphrase");
        await page.getByRole("button", { name: "Set the new password" }).click();
        assertEquals(await outcomeText(page), MESSAGES.reset.invalid_reset_token);

        await page.getByLabel("Your email address").fill(email);
        await page.getByRole("button", { name: "Mail me a reset link" }).click();
        assertEquals(await outcomeText(page, "request"), MESSAGES.reset.request_sent);
        await nextMail(sandbox, email, RESET_SUBJECT, seen);
      });

      await t.step(
        "GET /account/revert-email-change: the old address comes back; its reset mail finishes it",
        async () => {
          const { email, password } = await verifiedAccount(runningServer(sandbox.url), { label: "page-revert" });
          const token = await accessToken(sandbox, email, password);
          const newEmail = `moved-${crypto.randomUUID().slice(0, 8)}@example.com`;
          const auth = { Authorization: `Bearer ${token}` };
          const change = await postJson(serverAt(sandbox.url), "/auth/change-email", {
            current_password: password,
            new_email: newEmail,
          }, auth);
          assertEquals(change.status, 202);
          const code = await nextMail(sandbox, newEmail, "Confirm your new Jessy AI address", seen) as { otp?: string };
          assertEquals(
            (await postJson(serverAt(sandbox.url), "/auth/confirm-email-change", { otp: code.otp }, auth)).status,
            200,
          );
          const changed = await nextMail(sandbox, email, "Your Jessy AI address was changed", seen);
          const link = onSandbox(sandbox, changed.link);
          await maybeScreenshots(context, phone, link, "revert-email-change");

          page = await context.newPage();
          await openPage(page, link, sandbox);
          await page.getByRole("button", { name: "Yes, restore my old address" }).click();
          assertEquals(await outcomeText(page), MESSAGES.revert.done);
          assertEquals(await signInStatus(sandbox, newEmail, password), 401, "the new address is gone");

          const reset = await nextMail(sandbox, email, RESET_SUBJECT, seen);
          page = await context.newPage();
          await openPage(page, onSandbox(sandbox, reset.link), sandbox);
          await page.getByLabel("New password", { exact: true }).fill("back at the old address");
          await page.getByLabel("New password, again").fill("back at the old address");
          await page.getByRole("button", { name: "Set the new password" }).click();
          assertEquals(await outcomeText(page), MESSAGES.reset.done);
          assertEquals(await signInStatus(sandbox, email, "back at the old address"), 200, "the old address is back");

          page = await context.newPage();
          await openPage(page, link, sandbox);
          await page.getByRole("button", { name: "Yes, restore my old address" }).click();
          assertEquals(await outcomeText(page), MESSAGES.revert.invalid_account_token, "a used undo link says so");
        },
      );

      await t.step("GET /account/cancel-account-deletion: the account is kept and signs in", async () => {
        const { email, password } = await verifiedAccount(runningServer(sandbox.url), { label: "page-cancel" });
        const token = await accessToken(sandbox, email, password);
        const deleted = await postJson(serverAt(sandbox.url), "/auth/delete-account", { current_password: password }, {
          Authorization: `Bearer ${token}`,
        });
        assertEquals(deleted.status, 202);
        assertEquals(await signInStatus(sandbox, email, password), 401, "a deleted account does not sign in");
        const mail = await nextMail(sandbox, email, "Your Jessy AI account will be deleted", seen);
        const link = onSandbox(sandbox, mail.link);
        await maybeScreenshots(context, phone, link, "cancel-account-deletion");

        page = await context.newPage();
        await openPage(page, link, sandbox);
        await page.getByRole("button", { name: "Keep my account" }).click();
        assertEquals(await outcomeText(page), MESSAGES.cancel.done);
        assertEquals(await signInStatus(sandbox, email, password), 200, "the account signs in again");
      });

      await t.step("with scripts off the form posts to the page: the pasted token resets the password", async () => {
        const { email } = await verifiedAccount(runningServer(sandbox.url), { label: "page-noscript" });
        const mail = await requestReset(sandbox, email, seen);
        const noScript = await browser.newContext({ javaScriptEnabled: false });
        try {
          const plain = await noScript.newPage();
          const requests = recordRequests(plain);
          await plain.goto(onSandbox(sandbox, mail.link));
          assert(await plain.getByLabel("Reset token").isVisible(), "without a script the token is asked for");
          await plain.getByLabel("Reset token").fill(mail.reset_token ?? "");
          await plain.getByLabel("New password", { exact: true }).fill("typed without scripts");
          await plain.getByLabel("New password, again").fill("typed without scripts");
          await Promise.all([
            plain.waitForNavigation(),
            plain.getByRole("button", { name: "Set the new password" }).click(),
          ]);
          assertEquals((await plain.locator('[data-outcome="act"]').innerText()).trim(), MESSAGES.reset.done);
          assertEquals(requests.filter((url) => !url.startsWith(`${sandbox.url}/`)), [], "requests elsewhere");
          assertEquals(await signInStatus(sandbox, email, "typed without scripts"), 200);
        } finally {
          await noScript.close();
        }
      });
    } catch (error) {
      console.error(`screenshot: ${await screenshot(page, "account-pages")}`);
      throw error;
    } finally {
      await browser.close();
      await sandbox.close();
    }
  },
});
