import { SPEC_PATH } from "../../src/cli/spec-file.ts";
import { TIERS } from "../../src/config.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { createProbeApp } from "./_helpers.ts";

const database = await createTestDatabase();

interface Operation {
  "x-rate-limit": Record<string, unknown>;
  responses: Record<string, { headers?: Record<string, { $ref?: string }> }>;
}

function operations(document: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation }))
  );
}

const RATE_LIMIT_HEADERS = ["RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining"];

Deno.test("spec: every operation in openapi/openapi.json declares x-rate-limit, its 429 and the rate-limit headers", async () => {
  const document = JSON.parse(await Deno.readTextFile(SPEC_PATH));
  for (const name of [...RATE_LIMIT_HEADERS, "X-RateLimit-Reset", "Retry-After"]) {
    assert(document.components.headers[name]?.description, `components.headers.${name}`);
  }
  const all = operations(document);
  assert(all.some(({ name }) => name === "GET /security-test"), "GET /security-test is in the spec");
  for (const { name, operation } of all) {
    const limit = operation["x-rate-limit"];
    assert(limit, `${name} has x-rate-limit`);
    assertEquals(Object.keys(limit).slice(0, 4), ["tier", "limit", "window_seconds", "key"], name);
    assert(TIERS.includes(limit.tier as never), `${name} tier ${limit.tier}`);
    assert(Number.isInteger(limit.limit) && (limit.limit as number) > 0, `${name} limit`);
    assertEquals(limit.window_seconds, 60, name);
    const tooMany = operation.responses["429"];
    assert(tooMany, `${name} documents 429`);
    assertEquals(tooMany.headers?.["Retry-After"]?.$ref, "#/components/headers/Retry-After", name);
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const header of RATE_LIMIT_HEADERS) {
        assertEquals(response.headers?.[header]?.$ref, `#/components/headers/${header}`, `${name} ${status} ${header}`);
      }
    }
  }
  const securityTest = all.find(({ name }) => name === "GET /security-test")!.operation;
  assertEquals(securityTest["x-rate-limit"], { tier: "security_test", limit: 2, window_seconds: 60, key: "ip" });
});

Deno.test("spec: the served x-rate-limit follows the configured limits and the key each route is enforced on", async () => {
  const t = await createProbeApp({
    database,
    env: { RATE_LIMIT_AUTH_PER_MINUTE: "7", RATE_LIMIT_SECURITY_TEST_PER_MINUTE: "3" },
  });
  try {
    const document = await (await t.request("/openapi.json")).json();
    const byName = Object.fromEntries(operations(document).map(({ name, operation }) => [name, operation]));
    assertEquals(byName["POST /probe/signin"]["x-rate-limit"], {
      tier: "auth",
      limit: 7,
      window_seconds: 60,
      key: "ip+email",
      email_limit: { limit: 14, window_seconds: 900 },
    });
    assertEquals(byName["POST /probe/reset"]["x-rate-limit"].key, "ip", "no email in the body");
    assertEquals(byName["GET /probe/me"]["x-rate-limit"].key, "user");
    assertEquals(byName["GET /security-test"]["x-rate-limit"].limit, 3);
    const response = await t.request("/security-test");
    assertEquals(response.headers.get("ratelimit-policy"), '"security_test";q=3;w=60', "enforced as documented");
    await response.body?.cancel();
  } finally {
    await t.close();
  }
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await database.close();
});
