/**
 * A tester turns on the second factor from Swagger UI, with no phone, in headless Chromium against
 * the development sandbox: sign in, "Authorize", POST /auth/mfa/totp, the current code from
 * GET /dev/mfa/code, POST /auth/mfa/totp/activate; then the two-step sign-in: POST /auth/signin
 * answers mfa_required, GET /dev/mfa/code gives the next code, POST /auth/mfa/verify gives the pair,
 * and GET /auth/mfa with it says the factor is on. Every response the page receives is checked
 * against the spec, and no request leaves the server's host.
 */
import type { Response as PageResponse } from "npm:playwright-core@1.65.1";
import { ManualClock } from "../../src/clock.ts";
import { TOTP_PERIOD_SECONDS } from "../../src/services/mfa/totp.ts";
import { insertedUser, PASSWORD } from "../helpers/accounts.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { launchBrowser, recordRequests, screenshot } from "../helpers/browser.ts";
import { claimsOf } from "../helpers/claims.ts";
import { skipWithout } from "../helpers/installed.ts";
import { startSandbox } from "../helpers/sandbox.ts";
import { authorize, checkAgainstSpec, TIMEOUT_MS, tryItOut } from "./_helpers.ts";

/** Swagger UI's deep-link id of the "Second factor" tag */
const MFA_TAG = "Second_factor";

Deno.test({
  name:
    "swagger ui: sign in, POST /auth/mfa/totp, GET /dev/mfa/code, POST /auth/mfa/totp/activate, then POST /auth/signin → mfa_required → POST /auth/mfa/verify",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("chromium"),
  async fn() {
    const browser = await launchBrowser();
    // The server's clock: a tester waits for the authenticator's next code, the test moves the clock to it
    const clock = new ManualClock(new Date());
    const sandbox = await startSandbox({}, { clock });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const requests = recordRequests(page);
    const responses: PageResponse[] = [];
    page.on("response", (response) => void responses.push(response));
    // Sign-up and its mailed code have a walk of their own (swagger-ui-flow.test.ts): this one starts verified
    const { email } = await insertedUser(sandbox.app.database.db, "swagger-mfa", {
      passwords: sandbox.app.deps.passwords,
      verified: true,
    });
    const currentCode = async () => {
      const answer = await tryItOut(page, "Development", "getDevMfaCode", undefined, { email });
      assertEquals(answer.status, 200, "GET /dev/mfa/code");
      return String(answer.body.code);
    };
    try {
      await page.goto(`${sandbox.url}/docs`);
      await page.waitForSelector(`#operations-${MFA_TAG}-startTotpEnrolment`, { timeout: TIMEOUT_MS });

      const signin = await tryItOut(page, "Auth", "signIn", { email, password: PASSWORD });
      assertEquals(signin.status, 200, "sign-in");
      await authorize(page, String(signin.body.access_token));

      // The sign-in is seconds old: it is the proof, so the body is empty
      const enrolment = await tryItOut(page, MFA_TAG, "startTotpEnrolment", {});
      assertEquals(enrolment.status, 200, "POST /auth/mfa/totp");
      assert(String(enrolment.body.otpauth_uri).startsWith("otpauth://totp/"), String(enrolment.body.otpauth_uri));
      const activated = await tryItOut(page, MFA_TAG, "activateTotp", { code: await currentCode() });
      assertEquals(activated.status, 200, "POST /auth/mfa/totp/activate");
      assertEquals((activated.body.recovery_codes as string[]).length, 10);

      // The activating code is spent: the next sign-in takes the next one
      clock.advance(TOTP_PERIOD_SECONDS * 1000);
      const challenge = await tryItOut(page, "Auth", "signIn", { email, password: PASSWORD });
      assertEquals([challenge.status, challenge.body.mfa_required], [200, true], "sign-in asks for the factor");
      assert(!("access_token" in challenge.body), "no token before the second step");
      const verified = await tryItOut(page, MFA_TAG, "verifyMfa", {
        mfa_token: challenge.body.mfa_token,
        code: await currentCode(),
      });
      assertEquals(verified.status, 200, "POST /auth/mfa/verify");
      assertEquals(claimsOf(String(verified.body.access_token)).aal, 2);
      await authorize(page, String(verified.body.access_token), true);
      const status = await tryItOut(page, MFA_TAG, "getMfaStatus");
      assertEquals([status.status, status.body.enabled], [200, true], "GET /auth/mfa");

      const foreign = requests.filter((url) => !url.startsWith(sandbox.url) && !url.startsWith("data:"));
      assertEquals(foreign, [], "requests to other hosts");
      const checked = await checkAgainstSpec(responses, sandbox.url);
      for (
        const call of [
          "POST /auth/mfa/totp → 200",
          "GET /dev/mfa/code → 200",
          "POST /auth/mfa/totp/activate → 200",
          "POST /auth/mfa/verify → 200",
          "GET /auth/mfa → 200",
        ]
      ) {
        assert(checked.includes(call), `the page's ${call} was checked against the spec`);
      }
    } catch (error) {
      console.error(`screenshot: ${await screenshot(page, "swagger-ui-mfa-flow")}`);
      throw error;
    } finally {
      await browser.close();
      await sandbox.close();
    }
  },
});
