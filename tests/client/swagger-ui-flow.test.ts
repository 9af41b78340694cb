/**
 * A tester's walk-through in Swagger UI, in headless Chromium against the development
 * sandbox: "Try it out" on sign-up, the code from the development outbox, verify, sign in,
 * "Authorize" with the access token, then GET /auth/me; then the settings: change the password,
 * delete the account and keep it with the cancel token from the outbox. Every response the page receives is
 * checked against the spec, and no request leaves the server's host.
 */
import type { Response as PageResponse } from "npm:playwright-core@1.65.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { launchBrowser, recordRequests, screenshot } from "../helpers/browser.ts";
import { skipWithout } from "../helpers/installed.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { authorize, checkAgainstSpec, codeFromOutboxInUi, fromOutboxInUi, TIMEOUT_MS, tryItOut } from "./_helpers.ts";

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
