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
        assertEquals(await page.locator(`#operations-tag-${tag}`).count(), 1, `tag ${tag} listed`);
      }
      const operationCount = Object.values<Record<string, unknown>>(spec.paths)
        .reduce((sum, item) => sum + Object.keys(item).length, 0);
      assertEquals(await page.locator(".opblock").count(), operationCount, "every operation listed");
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
