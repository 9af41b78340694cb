/**
 * GET /account/passkeys in Chromium with its virtual authenticator: the register and sign-in
 * buttons run both ceremonies against the API, under the pages' strict CSP.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { skipWithout } from "../helpers/installed.ts";
import { screenshot } from "../helpers/browser.ts";
import { account, live, pageWithAuthenticator } from "./browser.ts";

Deno.test({
  name:
    "browser: GET /account/passkeys registers with the register button and signs in with the sign-in button, no CSP violation",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("chromium"),
  async fn() {
    const l = await live();
    const { page } = await pageWithAuthenticator(await l.browser.newContext(), l.pageUrl);
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") violations.push(message.text());
    });
    try {
      const { accessToken } = await account(l.t, "page-buttons");
      await page.fill("#access-token", accessToken);
      await page.fill("#passkey-name", "Test laptop");
      await page.click("#register");
      await page.locator("#outcome", { hasText: /^Passkey saved|refused|ended/ }).waitFor({ timeout: 15_000 });
      assertEquals(await page.textContent("#outcome"), "Passkey saved: Test laptop");
      await page.fill("#access-token", "");
      await page.click("#signin");
      await page.locator("#outcome", { hasText: /^Signed in|refused|ended/ }).waitFor({ timeout: 15_000 });
      assertEquals(await page.textContent("#outcome"), "Signed in (amr hwk, user, aal 2)");
      assert((await page.inputValue("#access-token")).length > 0, "the sign-in fills the token in");
      assert(await page.isHidden("#unsupported"), "Chromium runs ceremonies from JSON options");
      assertEquals(violations, []);
    } catch (error) {
      console.error(`screenshot: ${await screenshot(page, "passkeys-page")}`);
      throw error;
    } finally {
      await l.close();
    }
  },
});
