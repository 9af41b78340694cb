/**
 * The HTML pages are served but stay out of the contract: a client generated from the committed
 * spec (openapi-typescript here) holds no operation for Swagger UI or the account pages.
 */
import openapiTS, { astToString } from "openapi-typescript";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";

const SPEC = new URL("../../openapi/openapi.json", import.meta.url);
const PAGE_OPERATIONS = ["getDocs", "getDocsAsset", "getAccountPage", "submitAccountPage", "getAccountPageAsset"];

Deno.test("openapi: no HTML page in the committed spec nor in the types openapi-typescript generates from it", async () => {
  const text = await Deno.readTextFile(SPEC);
  assert(!text.includes("text/html"), "no operation answers HTML");
  const spec = JSON.parse(text) as { paths: Record<string, unknown> };
  const pages = Object.keys(spec.paths).filter((path) => path.startsWith("/docs") || path.startsWith("/account/"));
  assertEquals(pages, []);
  const generated = astToString(await openapiTS(SPEC));
  for (const id of PAGE_OPERATIONS) assert(!generated.includes(`${id}:`), `${id} in the generated client`);
  assert(generated.includes("resetPassword:"), "the JSON routes the pages post to are there");
});

Deno.test("openapi: the pages left out of the spec are still served", async () => {
  const t = await createTestApp();
  try {
    for (const path of ["/docs", "/docs/assets/swagger-ui.css", "/account/reset-password"]) {
      const response = await t.request(path);
      await response.body?.cancel();
      assertEquals(response.status, 200, path);
    }
  } finally {
    await t.close();
  }
});
