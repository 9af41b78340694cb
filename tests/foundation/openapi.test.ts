import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { renderSpec, SPEC_PATH } from "../../src/cli/spec-file.ts";
import { PRODUCTION_ENV } from "../helpers/env.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const t = await createTestApp();
const committed = await Deno.readTextFile(SPEC_PATH);

interface Document {
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, { operationId: string; tags?: string[] }>>;
  components: { schemas: Record<string, unknown> };
}

Deno.test("openapi: the committed openapi/openapi.json equals the document generated from the code", () => {
  assert(committed === renderSpec(), "run `deno task openapi` and commit openapi/openapi.json");
});

Deno.test("openapi: `deno task openapi --check` passes with the task's own permissions", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--config", `${ROOT}deno.json`, "openapi", "--check"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert(output.success, text);
  assert(text.includes(`${SPEC_PATH} is up to date`), text);
});

Deno.test("openapi: the committed contract is production's: no /dev/ path, no Development operation or tag", () => {
  const document: Document = JSON.parse(committed);
  assertEquals(Object.keys(document.paths).filter((path) => path.startsWith("/dev/")), []);
  const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
  assertEquals(operations.filter((operation) => operation.tags?.includes("Development")), []);
  assert(!operations.some((operation) => operation.operationId === "listDevOutbox"), "listDevOutbox");
  assert(!document.tags.some((tag) => tag.name === "Development"), "the Development tag");
});

Deno.test("openapi: a production app serves exactly the committed document", async () => {
  const production = await createTestApp({
    database: t.database,
    env: {
      ...PRODUCTION_ENV,
    },
  });
  try {
    const response = await production.request("/openapi.json");
    assertEquals(response.status, 200);
    assertEquals(await response.json(), JSON.parse(committed));
  } finally {
    await production.close();
  }
});

Deno.test("openapi: a development app serves the committed document plus GET /dev/outbox, GET /dev/mfa/code and what only they use", async () => {
  const response = await t.request("/openapi.json");
  assertEquals(response.status, 200);
  const served: Document = await response.json();
  assertEquals(served.paths["/dev/outbox"]?.get?.operationId, "listDevOutbox");
  assertEquals(served.paths["/dev/outbox"].get.tags, ["Development"]);
  delete served.paths["/dev/outbox"];
  assertEquals(served.paths["/dev/mfa/code"]?.get?.operationId, "getDevMfaCode");
  delete served.paths["/dev/mfa/code"];
  delete served.components.schemas.DevMfaCode;
  served.tags = served.tags.filter((tag) => tag.name !== "Development");
  delete served.components.schemas.Outbox;
  delete served.components.schemas.OutboxMessage;
  assertEquals(served, JSON.parse(committed));
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

Deno.test("GET /docs: the page and the scripts and styles it loads reference no other host", async () => {
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

Deno.test("GET /docs/assets/{file}: an unknown asset is a 404 problem", async () => {
  const response = await t.request("/docs/assets/../../etc/passwd");
  assertEquals(response.status, 404);
  await response.body?.cancel();
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await t.close();
});
