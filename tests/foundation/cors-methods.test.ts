import { createTestApp } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { specOperations } from "../helpers/spec-requests.ts";

const t = await createTestApp();
Deno.test.afterAll(async () => {
  await t.close();
});

const ALLOWED_ORIGIN = "https://app.example.com"; // CORS_ALLOWED_ORIGINS of the test config

Deno.test("CORS: a preflight from an allowed origin allows every operation of GET /openapi.json", async () => {
  const spec = await (await t.request("/openapi.json")).json();
  const operations = specOperations(spec);
  assert(operations.some((operation) => operation.method === "PATCH"), "the spec has a PATCH operation");
  const refused: string[] = [];
  for (const operation of operations) {
    const response = await t.request(operation.path.replace(/\{[^}]+\}/g, "x"), {
      method: "OPTIONS",
      headers: {
        Origin: ALLOWED_ORIGIN,
        "Access-Control-Request-Method": operation.method,
        "Access-Control-Request-Headers": "authorization,content-type",
      },
    });
    assertEquals(response.status, 204);
    assertEquals(response.headers.get("access-control-allow-origin"), ALLOWED_ORIGIN);
    const allowed = (response.headers.get("access-control-allow-methods") ?? "").split(",").map((m) => m.trim());
    if (!allowed.includes(operation.method)) refused.push(`${operation.method} ${operation.path}`);
  }
  assertEquals(refused, [], "operations a browser app cannot call");
});
