import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { launchBrowser, recordRequests, screenshot } from "../helpers/browser.ts";
import { skipWithout } from "../helpers/installed.ts";
import { serveLive } from "../helpers/live.ts";

Deno.test({
  name: "swagger ui: /docs renders every tag and operation with no request to another host",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("chromium"),
  async fn() {
    const browser = await launchBrowser();
    const t = await createTestApp();
    const live = serveLive(t);
    const page = await browser.newPage();
    const requests = recordRequests(page);
    try {
      await page.goto(`${live.url}/docs`);
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      const spec = await (await fetch(`${live.url}/openapi.json`)).json();
      const tags: string[] = [
        ...new Set(
          Object.values<Record<string, { tags: string[] }>>(spec.paths).flatMap((item) =>
            Object.values(item).flatMap((op) => op.tags)
          ),
        ),
      ];
      for (const tag of tags) {
        // Swagger UI's deep-link id writes a tag's spaces as underscores
        const id = `operations-tag-${tag.trim().replace(/\s/g, "_")}`;
        assertEquals(await page.locator(`[id="${id}"]`).count(), 1, `tag ${tag} listed`);
      }
      // The events the service sends (the spec's `webhooks`) are listed beside the routes
      const operationCount = [...Object.values(spec.paths), ...Object.values(spec.webhooks ?? {})]
        .reduce((sum: number, item) => sum + Object.keys(item as Record<string, unknown>).length, 0);
      assertEquals(await page.locator(".opblock").count(), operationCount, "every operation and webhook listed");
      const foreign = requests.filter((url) => !url.startsWith(live.url) && !url.startsWith("data:"));
      assertEquals(foreign, [], "requests to other hosts");
      assert(requests.some((url) => url.endsWith("/openapi.json")), "the UI loaded the spec from the server");
    } catch (error) {
      console.error(`screenshot: ${await screenshot(page, "swagger-ui-listing")}`);
      throw error;
    } finally {
      await browser.close();
      await live.close();
      await t.close();
    }
  },
});

const PRODUCTION_ENV = {
  ENVIRONMENT: "production",
  DATABASE_URL: "postgres://unused.internal:5432/db",
  SMTP_SERVER: "127.0.0.1",
  SMTP_PORT: "1",
  BCRYPT_COST: "10",
};

Deno.test({
  name: "swagger ui: only development persists the authorization (localStorage); production keeps it in the page",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    for (const [env, persisted] of [[PRODUCTION_ENV, false], [{}, true]] as const) {
      const t = await createTestApp({ env });
      try {
        const response = await t.request("/docs/assets/swagger-initializer.js");
        assertEquals(response.status, 200);
        assert((await response.text()).includes(`persistAuthorization: ${persisted},`), JSON.stringify(env));
      } finally {
        await t.close();
      }
    }
  },
});

Deno.test({
  name: "swagger ui: a token entered under Authorize never reaches localStorage in production",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: skipWithout("chromium"),
  async fn() {
    const browser = await launchBrowser();
    const token = "eyJhbGciOiJIUzI1NiJ9.e30.not-a-real-signature";
    try {
      for (const [env, persisted] of [[PRODUCTION_ENV, false], [{}, true]] as const) {
        const t = await createTestApp({ env });
        const live = serveLive(t);
        const page = await browser.newPage();
        try {
          await page.goto(`${live.url}/docs`);
          await page.waitForSelector(".opblock", { timeout: 30_000 });
          await page.locator(".auth-wrapper button.authorize").click();
          const dialog = page.locator(".auth-container").filter({ hasText: "bearerAuth" });
          await dialog.locator("input").fill(token);
          await dialog.locator("button.modal-btn.auth.authorize").click();
          await page.locator("button.btn-done").first().click();
          const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
          assertEquals(stored.includes(token), persisted, `${env.ENVIRONMENT ?? "development"}: ${stored}`);
        } catch (error) {
          console.error(`screenshot: ${await screenshot(page, "swagger-ui-persist")}`);
          throw error;
        } finally {
          await page.close();
          await live.close();
          await t.close();
        }
      }
    } finally {
      await browser.close();
    }
  },
});
