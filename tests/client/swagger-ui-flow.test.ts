/**
 * A tester's walk-through in Swagger UI, in headless Chromium against the development
 * sandbox: "Try it out" on sign-up, the code from the development outbox, verify, sign in,
 * "Authorize" with the access token, then GET /auth/me; then the settings: change the password,
 * delete the account and keep it with the cancel token from the outbox. Every response the page receives is
 * checked against the spec, and no request leaves the server's host.
 */
import type { Page, Response as PageResponse } from "npm:playwright-core@1.65.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { launchBrowser, recordRequests, screenshot } from "../helpers/browser.ts";
import { skipWithout } from "../helpers/installed.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { developmentSpecValidator } from "../helpers/spec-validator.ts";
import { until } from "../helpers/until.ts";

const TIMEOUT_MS = 30_000;

interface Execution {
  status: number;
  body: Record<string, unknown>;
}

/** Expands an operation, presses "Try it out", optionally types the JSON body, and executes it. */
async function tryItOut(page: Page, tag: string, operationId: string, body?: unknown): Promise<Execution> {
  const block = page.locator(`#operations-${tag}-${operationId}`);
  await block.locator(".opblock-summary").first().click();
  // "Try it out" stays on for an operation executed before: pressing it again would turn it off
  await block.locator("button.try-out__btn").first().waitFor({ timeout: TIMEOUT_MS });
  if (!await block.locator("button.execute").isVisible()) await block.locator("button.try-out__btn").first().click();
  if (body !== undefined) await block.locator("textarea.body-param__text").fill(JSON.stringify(body, null, 2));
  // An operation executed before still shows its last answer, which the reads below would take for this one's
  // (seen: this execution's status with the previous body): clear it first
  const clear = block.locator("button.btn-clear");
  if (await clear.isVisible()) {
    await clear.click();
    await block.locator(".live-responses-table").waitFor({ state: "detached", timeout: TIMEOUT_MS });
  }
  await block.locator("button.execute").click();
  const status = block.locator(".responses-wrapper .live-responses-table .response .response-col_status");
  await status.first().waitFor({ timeout: TIMEOUT_MS });
  const text = await block.locator(".live-responses-table .response-col_description .highlight-code pre")
    .first().innerText({ timeout: TIMEOUT_MS });
  const result = { status: Number((await status.first().innerText()).trim()), body: JSON.parse(text) };
  // Collapse again so the next operation's selectors stay unambiguous on screen
  await block.locator(".opblock-summary").first().click();
  return result;
}

/** Presses "Authorize", enters the bearer token (logging the previous one out) and closes the dialog. */
async function authorize(page: Page, token: string, replacing = false): Promise<void> {
  await page.locator(".auth-wrapper button.authorize").click();
  const dialog = page.locator(".auth-container").filter({ hasText: "bearerAuth" });
  if (replacing) await dialog.locator("button.modal-btn.auth").filter({ hasText: "Logout" }).click();
  await dialog.locator("input").fill(token);
  await dialog.locator("button.modal-btn.auth.authorize").click();
  await page.locator("button.btn-done").first().click();
}

Deno.test({
  name:
    "swagger ui: try-out signup, outbox code, verify, sign in, Authorize, /auth/me, change password, delete and keep the account",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("chromium"),
  async fn() {
    const browser = await launchBrowser();
    const sandbox = await startSandbox();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const requests = recordRequests(page);
    const responses: PageResponse[] = [];
    page.on("response", (response) => void responses.push(response));
    const email = `swagger-${crypto.randomUUID()}@example.com`;
    const password = "correct horse battery staple";
    try {
      await page.goto(`${sandbox.url}/docs`);
      await page.waitForSelector("#operations-Auth-signUp", { timeout: TIMEOUT_MS });

      const signup = await tryItOut(page, "Auth", "signUp", { email, password, name: "Tess" });
      assertEquals([signup.status, signup.body.email], [201, email], "sign-up in Swagger UI");

      const code = await codeFromOutboxInUi(page, email);
      const verified = await tryItOut(page, "Auth", "verifyEmail", { email, otp: code });
      assertEquals([verified.status, verified.body.email_verified], [200, true], "verify with the outbox code");

      const signin = await tryItOut(page, "Auth", "signIn", { email, password });
      assertEquals(signin.status, 200, "sign-in");
      await authorize(page, String(signin.body.access_token));

      const me = await tryItOut(page, "Sessions", "getCurrentUser");
      assertEquals([me.status, me.body.email, me.body.email_verified], [200, email, true], "GET /auth/me");

      // Settings: change the password, then delete the account and keep it with the mailed token
      const newPassword = "a brand new passphrase";
      const changed = await tryItOut(page, "Account", "changePassword", {
        current_password: password,
        new_password: newPassword,
      });
      assertEquals(changed.status, 200, "change-password");
      await authorize(page, String(changed.body.access_token), true);
      assertEquals((await tryItOut(page, "Sessions", "getCurrentUser")).status, 200, "the new pair works");
      const deleted = await tryItOut(page, "Account", "deleteAccount", { current_password: newPassword });
      assertEquals(deleted.status, 202, "delete-account");
      const gone = await tryItOut(page, "Sessions", "getCurrentUser");
      assertEquals([gone.status, gone.body.code], [401, "invalid_token"], "the token died with the account");
      const token = await fromOutboxInUi(page, email, "cancel_token");
      const kept = await tryItOut(page, "Account", "cancelAccountDeletion", { token });
      assertEquals([kept.status, kept.body.account_kept], [200, true], "cancel-account-deletion");
      const back = await tryItOut(page, "Auth", "signIn", { email, password: newPassword });
      assertEquals(back.status, 200, "signed in again with the new password");

      const foreign = requests.filter((url) => !url.startsWith(sandbox.url) && !url.startsWith("data:"));
      assertEquals(foreign, [], "requests to other hosts");
      const checked = await checkAgainstSpec(responses, sandbox.url);
      for (
        const call of [
          "POST /auth/signup → 201",
          "GET /dev/outbox → 200",
          "GET /auth/me → 200",
          "POST /auth/change-password → 200",
          "POST /auth/delete-account → 202",
          "POST /auth/cancel-account-deletion → 200",
        ]
      ) {
        assert(checked.includes(call), `the page's ${call} was checked against the spec`);
      }
    } catch (error) {
      console.error(`screenshot: ${await screenshot(page, "swagger-ui-flow")}`);
      throw error;
    } finally {
      await browser.close();
      await sandbox.close();
    }
  },
});

/** Runs GET /dev/outbox from its own operation block until the mail for `email` is listed. */
function codeFromOutboxInUi(page: Page, email: string): Promise<string> {
  return fromOutboxInUi(page, email, "otp");
}

/** The first value of `field` (otp, cancel_token, …) the outbox lists for `email`, polling from Swagger UI. */
async function fromOutboxInUi(page: Page, email: string, field: string): Promise<string> {
  let value: string | undefined;
  // Real time: a real browser drives a live sandbox, which runs on the system clock as
  // `deno task dev` does
  await until(async () => {
    const outbox = await tryItOut(page, "Development", "listDevOutbox");
    assertEquals(outbox.status, 200, "GET /dev/outbox");
    const messages = outbox.body.messages as Array<{ to: string } & Record<string, string>>;
    value = messages.find((message) => message.to === email && message[field])?.[field];
    return value !== undefined;
  }, { timeout: 30_000, interval: 250, what: `${field} in the outbox` });
  return value!;
}

/** Validates every same-host response the page received; returns `METHOD path → status` of each. */
async function checkAgainstSpec(responses: PageResponse[], origin: string): Promise<string[]> {
  const checked: string[] = [];
  for (const response of responses) {
    if (!response.url().startsWith(origin)) continue;
    const method = response.request().method();
    const path = new URL(response.url()).pathname;
    const body = [204, 304].includes(response.status()) ? null : new Uint8Array(await response.body());
    await developmentSpecValidator().check(
      method,
      path,
      new Response(body, { status: response.status(), headers: response.headers() }),
    );
    checked.push(`${method} ${path} → ${response.status()}`);
  }
  return checked;
}
