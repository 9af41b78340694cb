import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { renderSpec, SPEC_PATH } from "../../src/http/spec-file.ts";

const t = await createTestApp();
const committed = await Deno.readTextFile(SPEC_PATH);

Deno.test("openapi: the committed openapi/openapi.json equals the document generated from the code", async () => {
  assert(committed === await renderSpec(), "run `deno task openapi` and commit openapi/openapi.json");
});

Deno.test("openapi: /openapi.json serves the committed document", async () => {
  const response = await t.request("/openapi.json");
  assertEquals(response.status, 200);
  assertEquals(await response.json(), JSON.parse(committed));
});

Deno.test("openapi: the document is OpenAPI 3.1 and passes @redocly/cli lint with zero errors and zero warnings", async () => {
  const document = JSON.parse(committed);
  assertEquals(document.openapi, "3.1.0");
  const output = await new Deno.Command("npx", {
    args: ["-y", "@redocly/cli@2.77.0", "lint", SPEC_PATH, "--format=json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  assertEquals(report.problems, [], "lint problems");
  assertEquals([report.totals.errors, report.totals.warnings], [0, 0]);
});

Deno.test("openapi: every error response references the one Problem component", () => {
  const document = JSON.parse(committed);
  assert(document.components.schemas.Problem, "Problem component registered");
  let checked = 0;
  for (const [path, item] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const content = (response as { content: Record<string, { schema: { $ref: string } }> }).content;
        assertEquals(
          content["application/problem+json"]?.schema?.$ref,
          "#/components/schemas/Problem",
          `${method.toUpperCase()} ${path} ${status}`,
        );
        checked++;
      }
    }
  }
  assert(checked > 0);
});

const FOREIGN_URL = /\b(?:https?:)?\/\/(?!localhost[:/])[a-z0-9.-]+\.[a-z]{2,}/i;

Deno.test("docs: /docs and the scripts and styles it loads reference no other host", async () => {
  const response = await t.request("/docs");
  assertEquals(response.status, 200);
  const html = await response.text();
  const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assertEquals(references.length, 3);
  for (const reference of references) {
    assert(reference.startsWith("/docs/assets/"), `foreign reference ${reference}`);
    const asset = await t.request(reference);
    assertEquals(asset.status, 200, reference);
    const body = await asset.text();
    if (reference.endsWith("swagger-initializer.js")) {
      assert(!FOREIGN_URL.test(body), "the initializer points at another host");
      assert(body.includes('url: "/openapi.json"') && body.includes("validatorUrl: null"));
    }
  }
  assert(!FOREIGN_URL.test(html), "the page points at another host");
});

Deno.test("docs: an unknown asset is a 404 problem", async () => {
  const response = await t.request("/docs/assets/../../etc/passwd");
  assertEquals(response.status, 404);
  await response.body?.cancel();
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await t.close();
});
