/**
 * The spec validator is what makes "every response is documented" a failing test rather than
 * a hope: these tests prove it rejects what it must, on real responses from the app.
 */
import { assert, assertEquals, AssertionError, assertRejects } from "../helpers/assert.ts";
import { createTestApp } from "../helpers/app.ts";
import { jsonBody } from "../helpers/http.ts";
import { developmentSpecValidator, SpecValidator, specValidator } from "../helpers/spec-validator.ts";

const t = await createTestApp();

function json(body: unknown, status: number, contentType = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": contentType } });
}

Deno.test("spec validator: a documented status with a conforming body passes", async () => {
  const response = await t.app.request("/health/live");
  await specValidator().check("GET", "/health/live", response);
  assertEquals(response.status, 200);
});

Deno.test("spec validator: a status the operation does not document fails", async () => {
  const error = await assertRejects(
    () => specValidator().check("GET", "/health/live", json({ status: "alive" }, 202)),
    AssertionError,
  );
  assert(error.message.includes("status not documented"), error.message);
});

Deno.test("spec validator: a body that breaks the schema fails", async () => {
  const error = await assertRejects(
    () => specValidator().check("GET", "/health/live", json({ status: "dead" }, 200)),
    AssertionError,
  );
  assert(error.message.includes("body does not match the schema"), error.message);
  await assertRejects(
    () => specValidator().check("POST", "/auth/signin", json({ access_token: "x", token_type: "Bearer" }, 200)),
    AssertionError,
  );
});

Deno.test("spec validator: a content type the response does not declare fails", async () => {
  const error = await assertRejects(
    () => specValidator().check("GET", "/health/live", json({ status: "alive" }, 200, "text/plain")),
    AssertionError,
  );
  assert(error.message.includes("content type text/plain"), error.message);
});

Deno.test("spec validator: a problem sent as application/json instead of problem+json fails", async () => {
  const problem = await (await t.app.request("/auth/signup", jsonBody({ email: "nope" }))).json();
  await assertRejects(
    () => specValidator().check("POST", "/auth/signup", json(problem, 422)),
    AssertionError,
  );
});

Deno.test("spec validator: GET /dev/outbox is checked against the development document, and is no route in production", async () => {
  const messages = {
    messages: [{ id: "1", to: "a@example.com", subject: "s", text: "t", created_at: "2026-11-28T09:30:00.000Z" }],
  };
  await developmentSpecValidator().check("GET", "/dev/outbox", json(messages, 200));
  const error = await assertRejects(
    () => developmentSpecValidator().check("GET", "/dev/outbox", json({ messages: [{ to: 1 }] }, 200)),
    AssertionError,
  );
  assert(error.message.includes("body does not match the schema"), error.message);
  // The production contract has no such operation: only the app-wide 404 may answer it
  await assertRejects(() => specValidator().check("GET", "/dev/outbox", json(messages, 200)), AssertionError);
});

Deno.test("spec validator: removing a documented response from the spec makes the real response fail", async () => {
  const document = structuredClone(specValidator().document) as ConstructorParameters<typeof SpecValidator>[0];
  delete document.paths["/auth/signup"].post.responses["201"];
  const withoutCreated = new SpecValidator(document);
  const email = `validator-${crypto.randomUUID()}@example.com`;
  const response = await t.app.request(
    "/auth/signup",
    jsonBody({ email, password: "correct horse battery staple" }),
  );
  assertEquals(response.status, 201);
  await specValidator().check("POST", "/auth/signup", response);
  await assertRejects(() => withoutCreated.check("POST", "/auth/signup", response), AssertionError);
});

Deno.test("request bodies: a POST with no body at all is a 422 validation_failed, never a 500", async () => {
  for (const path of ["/auth/signup", "/auth/signin", "/auth/verify-email", "/auth/refresh"]) {
    const response = await t.request(path, { method: "POST" });
    assertEquals(response.status, 422, path);
    assertEquals((await response.json()).code, "validation_failed", path);
  }
});

// Awaited, so a Postgres run drops its schema and closes its pool
Deno.test.afterAll(async () => {
  await t.close();
});
