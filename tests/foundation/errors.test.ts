import { z } from "@hono/zod-openapi";
import { sql } from "kysely";
import { createApp } from "../../src/app.ts";
import { defineRoute } from "../../src/http/define-route.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { jsonBody } from "../helpers/http.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { PRODUCTION_ENV } from "../helpers/env.ts";

const PROBLEM_KEYS = ["code", "detail", "request_id", "status", "title", "type"];

async function expectProblem(response: Response, status: number, code: string) {
  assertEquals(response.status, status, `status for ${code}`);
  assertEquals(response.headers.get("content-type"), "application/problem+json");
  const body = await response.json();
  for (const key of PROBLEM_KEYS) assert(key in body, `problem body lacks ${key}`);
  assertEquals(body.status, status);
  assertEquals(body.code, code);
  assertEquals(body.type, `https://jessy-ai.com/problems/${code}`);
  assertEquals(body.request_id, response.headers.get("x-request-id"));
  return body;
}

/** One database for the module: PGlite takes seconds to start. */
const database = await createTestDatabase();
Deno.test.afterAll(() => database.close());
let t: TestApp;

Deno.test({
  name: "error responses",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(step) {
    t = await createTestApp({ database });
    try {
      await step.step("an unknown route is a 404 not_found problem", async () => {
        await expectProblem(await t.request("/no/such/route"), 404, "not_found");
      });

      await step.step("a wrong method is a 405 problem with Allow", async () => {
        const response = await t.request("/health/live", { method: "DELETE" });
        await expectProblem(response, 405, "method_not_allowed");
        assertEquals(response.headers.get("allow"), "GET, HEAD, OPTIONS");
      });

      await step.step("the request id in the problem body equals the X-Request-ID header sent", async () => {
        const response = await t.request("/nope", { headers: { "X-Request-ID": "client-id.42_x" } });
        const body = await expectProblem(response, 404, "not_found");
        assertEquals(body.request_id, "client-id.42_x");
      });

      await step.step("malformed JSON is a 400 malformed_json problem", async () => {
        const app = probeApp();
        await expectProblem(await app.request("/probe", jsonBody('{"a":')), 400, "malformed_json");
      });

      await step.step("a wrong Content-Type is a 415 problem", async () => {
        const app = probeApp();
        const response = await app.request("/probe", {
          method: "POST",
          headers: { "Content-Type": "text/plain" },
          body: "name=x",
        });
        await expectProblem(response, 415, "unsupported_media_type");
      });

      await step.step("a schema violation is a 422 validation_failed problem with field errors", async () => {
        const app = probeApp();
        const response = await app.request("/probe", jsonBody({ name: 42 }));
        const body = await expectProblem(response, 422, "validation_failed");
        assertEquals(body.errors.length, 1);
        assertEquals(body.errors[0].path, "name");
        assert(typeof body.errors[0].message === "string");
      });

      await step.step("a unique violation is a 409 conflict problem", async () => {
        const app = probeApp();
        await expectProblem(await app.request("/probe/conflict"), 409, "conflict");
      });

      await step.step(
        "a deadlock or serialization failure is a 503 to retry at once, with nothing written",
        async () => {
          const app = probeApp();
          for (const sqlstate of ["40P01", "40001"]) {
            const response = await app.request(`/probe/rolled-back/${sqlstate}`);
            const body = await expectProblem(response, 503, "service_unavailable");
            assertEquals(response.headers.get("retry-after"), "1");
            assertMatch(body.detail, /retry/);
          }
          const written = await t.deps.database.db.selectFrom("users").select("id")
            .where("email_normalized", "=", "rolled-back@example.com").execute();
          assertEquals(written.length, 0, "the transaction was rolled back");
        },
      );
    } finally {
      await t.close();
    }
  },
});

/** An app with extra contract routes that fail on purpose. */
function probeApp() {
  const app = createApp(t.deps);
  const probe = defineRoute({
    method: "post",
    path: "/probe",
    operationId: "probe",
    tier: "public",
    request: {
      body: { required: true, content: { "application/json": { schema: z.object({ name: z.string() }) } } },
    },
    responses: { 200: { description: "ok", content: { "application/json": { schema: z.object({}) } } } },
  });
  const conflict = defineRoute({
    method: "get",
    path: "/probe/conflict",
    operationId: "probeConflict",
    tier: "public",
    responses: { 200: { description: "ok" } },
  });
  const rolledBack = defineRoute({
    method: "get",
    path: "/probe/rolled-back/{sqlstate}",
    operationId: "probeRolledBack",
    tier: "public",
    request: { params: z.object({ sqlstate: z.enum(["40P01", "40001"]) }) },
    responses: { 200: { description: "ok" } },
  });
  app.openapi(probe, (c) => c.json({}, 200));
  // The database itself raises the SQLSTATE a lost race gets, after a write in the same transaction
  app.openapi(rolledBack, async (c) => {
    const { sqlstate } = c.req.valid("param");
    await t.deps.database.db.transaction().execute(async (trx) => {
      const now = new Date();
      await trx.insertInto("users").values({
        email: "rolled-back@example.com",
        email_normalized: "rolled-back@example.com",
        password_hash: "x",
        created_at: now,
        updated_at: now,
      }).execute();
      await sql.raw(`do $$ begin raise exception 'lost a race' using errcode = '${sqlstate}'; end $$`).execute(trx);
    });
    return c.body(null, 200);
  });
  app.openapi(conflict, async (c) => {
    const row = { email: "dup@example.com", email_normalized: "dup@example.com", password_hash: "x" };
    const now = new Date();
    const values = { ...row, created_at: now, updated_at: now };
    await t.deps.database.db.insertInto("users").values(values).onConflict((oc) => oc.doNothing()).execute();
    await t.deps.database.db.insertInto("users").values(values).execute();
    return c.body(null, 200);
  });
  return app;
}

Deno.test({
  name: "a forced 500 in production leaks no stack, SQL or library text and logs the cause with the request id",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const prod = await createTestApp({
      database,
      env: {
        ...PRODUCTION_ENV,
        CORS_ALLOWED_ORIGINS: "https://app.example.com",
      },
    });
    try {
      const app = createApp(prod.deps);
      const boom = defineRoute({
        method: "get",
        path: "/boom",
        operationId: "boom",
        tier: "public",
        responses: { 200: { description: "ok" } },
      });
      app.openapi(boom, () => {
        const error = new Error(
          'syntax error at or near "SELEC" in SELECT * FROM users WHERE host=db.internal:5432 (postgres.js)',
        );
        throw error;
      });
      const response = await app.request("/boom", { headers: { "X-Request-ID": "leak-check-1" } });
      const text = await response.text();
      assertEquals(response.status, 500);
      assertEquals(response.headers.get("content-type"), "application/problem+json");
      const body = JSON.parse(text);
      assertEquals(body.code, "internal_error");
      assertEquals(body.detail, "An unexpected error occurred");
      for (const leak of ["SELEC", "users", "db.internal", "5432", "postgres", "at ", "Error", ".ts"]) {
        assert(!text.includes(leak), `body leaks ${leak}: ${text}`);
      }
      const logged = prod.logger.lines.find((line) => line.message === "request failed");
      assert(logged, "the failure is logged");
      assertEquals(logged.request_id, "leak-check-1");
      assertMatch(JSON.stringify(logged.error), /SELEC/);
    } finally {
      await prod.close();
    }
  },
});
