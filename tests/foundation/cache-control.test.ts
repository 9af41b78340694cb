import { ADMIN_SCOPES } from "../../src/services/admin/scopes.ts";
import { ADMIN_TEST_ENV, adminKey } from "../admin/_helpers.ts";
import { createTestApp } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { exampleRequest, specOperations } from "../helpers/spec-requests.ts";

// Development shows the health details to every caller
const t = await createTestApp({ env: ADMIN_TEST_ENV });
Deno.test.afterAll(async () => {
  await t.close();
});

/** Admin answers, introspection verdicts and the health report: what no shared or browser cache may keep. */
const NEVER_STORED = [/^\/admin\//, /^\/oauth\/introspect$/, /^\/health(\/|$)/];

Deno.test("Cache-Control: every operation under /admin, POST /oauth/introspect and /health answers no-store", async () => {
  const key = await adminKey(t, [...ADMIN_SCOPES]);
  const spec = await (await t.request("/openapi.json")).json();
  const operations = specOperations(spec).filter((operation) =>
    NEVER_STORED.some((pattern) => pattern.test(operation.path))
  );
  assert(operations.some((operation) => operation.path === "/oauth/introspect"), "introspection is in the spec");
  assert(operations.some((operation) => operation.path === "/health"), "health is in the spec");
  assert(operations.filter((operation) => operation.path.startsWith("/admin/")).length >= 8, "the admin operations");

  const answers: string[] = [];
  for (const operation of operations) {
    const { url, init } = exampleRequest(operation, { Authorization: `Bearer ${key}` });
    const response = await t.request(url, init);
    // The operation's own answer (found or not), never the key check's refusal
    assert(![401, 403].includes(response.status), `${operation.method} ${url} → ${response.status}`);
    answers.push(`${operation.method} ${operation.path} → ${response.headers.get("cache-control")}`);
    await response.body?.cancel();
  }
  assertEquals(answers, operations.map((operation) => `${operation.method} ${operation.path} → no-store`));
});

Deno.test("Cache-Control: the health report with its details is no-store", async () => {
  const response = await t.request("/health");
  const body = await response.json();
  assertEquals(typeof body.version, "string", "the details are shown");
  assertEquals(response.headers.get("cache-control"), "no-store");
});

Deno.test("Cache-Control: a refused admin request is no-store too", async () => {
  const response = await t.request("/admin/users", { headers: { Authorization: "Bearer jak_not-a-key" } });
  assertEquals(response.status, 401);
  assertEquals(response.headers.get("cache-control"), "no-store");
  await response.body?.cancel();
});
