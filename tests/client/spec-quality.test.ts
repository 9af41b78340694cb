/**
 * What SDK generators and Swagger UI need from openapi/openapi.json, checked on the committed
 * document: stable operation ids, named schemas with valid examples, problem responses that
 * list their codes, security where a token is needed, rate limits, and links between steps.
 */
import { Ajv2020 } from "npm:ajv@8.20.0/dist/2020.js";
import addFormats from "npm:ajv-formats@3.0.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { PROBLEM_CODES, type ProblemCode } from "../../src/errors.ts";

type Json = Record<string, unknown>;
interface MediaType {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
  links?: Record<string, { operationId: string; requestBody?: Record<string, string>; parameters?: Json }>;
}
interface Operation {
  operationId: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  "x-rate-limit"?: { tier: string; limit: number; window_seconds: number; key: string };
}

const spec = JSON.parse(await Deno.readTextFile(new URL("../../openapi/openapi.json", import.meta.url)));
const schemas: Record<string, Json> = spec.components.schemas;
const operations: Array<{ method: string; path: string; operation: Operation }> = Object.entries<
  Record<string, Operation>
>(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation }))
);
const byId = new Map(operations.map((entry) => [entry.operation.operationId, entry]));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(spec, "spec");

function validatorFor(schema: Json) {
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/')));
}

function resolve(schema: Json): Json {
  const ref = schema.$ref;
  return typeof ref === "string" ? resolve(schemas[ref.replace("#/components/schemas/", "")]) : schema;
}

/** Follows a JSON pointer through a schema's properties and items; undefined when it leads nowhere. */
function schemaAt(schema: Json | undefined, pointer: string): Json | undefined {
  // A union (the sign-in's answer) has the field when one of its branches has it
  const branches = schema && (resolve(schema).oneOf as Json[] | undefined);
  if (branches) return branches.map((branch) => schemaAt(branch, pointer)).find(Boolean);
  let current = schema && resolve(schema);
  for (const segment of pointer.split("/").filter(Boolean)) {
    if (!current) return undefined;
    const next: Json | undefined = /^\d+$/.test(segment)
      ? current.items as Json | undefined
      : (current.properties as Record<string, Json> | undefined)?.[segment];
    current = next && resolve(next);
  }
  return current;
}

function jsonSchemaOf(content: Record<string, MediaType> | undefined): Json | undefined {
  return content?.["application/json"]?.schema;
}

Deno.test("spec: every operation has a unique camelCase operationId, one declared tag, a summary and a description", () => {
  const declaredTags = new Set(spec.tags.map((tag: { name: string }) => tag.name));
  assertEquals(byId.size, operations.length, "operationIds are unique");
  for (const { method, path, operation } of operations) {
    const where = `${method} ${path}`;
    assert(/^[a-z][a-zA-Z0-9]*$/.test(operation.operationId), `${where}: ${operation.operationId} is not camelCase`);
    assertEquals(operation.tags?.length, 1, `${where}: one tag`);
    assert(declaredTags.has(operation.tags![0]), `${where}: tag ${operation.tags![0]} is declared`);
    assert((operation.summary ?? "").length > 0, `${where}: summary`);
    assert((operation.description ?? "").length > 20, `${where}: description`);
  }
});

Deno.test("spec: operations that can answer invalid_token require bearerAuth, or adminApiKey with their scope; all others declare none", () => {
  assertEquals(spec.components.securitySchemes.bearerAuth, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: spec.components.securitySchemes.bearerAuth.description,
  });
  const bearerOperations: string[] = [];
  for (const { operation } of operations) {
    const needsToken = Boolean(
      operation.responses["401"]?.content?.["application/problem+json"]?.examples?.invalid_token,
    );
    const refreshes = operation.operationId === "refreshTokens"; // the refresh token travels in the body
    const scopes = (operation as { "x-required-scopes"?: string[] })["x-required-scopes"];
    if (scopes) {
      // Admin operations: an admin API key holding the scope, under its own scheme and tag
      assertEquals(operation.security, [{ adminApiKey: scopes }], operation.operationId);
      assertEquals(scopes.length, 1, operation.operationId);
      assertEquals(operation.tags, ["Admin"], operation.operationId);
      assert(needsToken, `${operation.operationId} documents the 401`);
    } else if (needsToken && !refreshes) {
      assertEquals(operation.security, [{ bearerAuth: [] }], operation.operationId);
      bearerOperations.push(operation.operationId);
    } else if (operation.operationId === "getHealth") {
      // Public; the optional details token shows the version, kinds and latencies in production
      assertEquals(operation.security, [{}, { healthDetailsToken: [] }]);
    } else {
      assertEquals(operation.security, [], operation.operationId);
    }
  }
  for (const id of ["getCurrentUser", "listSessions", "revokeSession", "logout", "logoutAll", "listSecurityEvents"]) {
    assert(bearerOperations.includes(id), `${id} requires a bearer token`);
  }
  assertEquals(spec.components.securitySchemes.adminApiKey.type, "http");
  assertEquals(spec.components.securitySchemes.adminApiKey.scheme, "bearer");
});

Deno.test("spec: every JSON request and response body is a named component with an example that matches it", () => {
  let checked = 0;
  for (const { method, path, operation } of operations) {
    const bodies: Array<[string, Record<string, MediaType> | undefined]> = [
      ["request", operation.requestBody?.content],
      ...Object.entries(operation.responses).map(([status, response]) =>
        [status, response.content] as [string, typeof response.content]
      ),
    ];
    if (operation.requestBody) assertEquals(operation.requestBody.required, true, `${method} ${path}: body required`);
    for (const [where, content] of bodies) {
      for (const [type, media] of Object.entries(content ?? {})) {
        const label = `${method} ${path} ${where} ${type}`;
        const examples = media.examples ? Object.values(media.examples).map((entry) => entry.value) : [media.example];
        assert(examples.length > 0 && examples.every((example) => example !== undefined), `${label}: example`);
        if (!type.includes("json")) continue;
        assert(typeof media.schema?.$ref === "string", `${label}: schema is a named component`);
        const validate = validatorFor(media.schema!);
        for (const example of examples) {
          assert(validate(example), `${label}: example breaks the schema: ${ajv.errorsText(validate.errors)}`);
          checked++;
        }
      }
    }
  }
  assert(checked > 50, `checked ${checked} examples`);
  for (const name of ["SignupRequest", "SignupResponse", "SigninRequest", "TokenPair", "Problem", "RefreshRequest"]) {
    assert(schemas[name], `component ${name}`);
  }
});

Deno.test("spec: every error response is a Problem whose examples list exactly the codes of that status", () => {
  for (const { method, path, operation } of operations) {
    for (const [status, response] of Object.entries(operation.responses)) {
      if (Number(status) < 400) continue;
      const where = `${method} ${path} ${status}`;
      const media = response.content?.["application/problem+json"];
      assertEquals(media?.schema, { $ref: "#/components/schemas/Problem" }, where);
      const codes = Object.keys(media?.examples ?? {}) as ProblemCode[];
      assert(codes.length > 0, `${where}: lists its codes`);
      for (const code of codes) {
        assertEquals(PROBLEM_CODES[code]?.status, Number(status), `${where}: ${code} has this status`);
        const value = media!.examples![code].value as { code: string; status: number };
        assertEquals([value.code, value.status], [code, Number(status)], `${where}: example of ${code}`);
        assert(response.description.includes(code), `${where}: description names ${code}`);
      }
    }
    for (const status of ["429", "500"]) assert(operation.responses[status], `${method} ${path}: documents ${status}`);
  }
});

Deno.test("spec: every operation declares its rate limit and every response the request-id and rate-limit headers", () => {
  for (const { method, path, operation } of operations) {
    const limit = operation["x-rate-limit"];
    assert(limit && limit.limit > 0 && limit.window_seconds === 60, `${method} ${path}: x-rate-limit`);
    for (const [status, response] of Object.entries(operation.responses)) {
      const headers = Object.keys(response.headers ?? {});
      for (const name of ["X-Request-ID", "RateLimit", "RateLimit-Policy"]) {
        assert(headers.includes(name), `${method} ${path} ${status}: header ${name}`);
      }
    }
  }
});

Deno.test("spec: no allOf wrappers and no anonymous object schemas outside components", () => {
  const text = JSON.stringify(spec);
  assert(!text.includes('"allOf"'), "allOf appears in the document");
  const inline: string[] = [];
  function visit(node: unknown, where: string) {
    if (Array.isArray(node)) return node.forEach((child, i) => visit(child, `${where}/${i}`));
    if (!node || typeof node !== "object") return;
    const object = node as Json;
    if (where.endsWith("/schema") && object.properties) inline.push(where);
    for (const [key, child] of Object.entries(object)) {
      if (key !== "examples" && key !== "example") visit(child, `${where}/${key}`);
    }
  }
  // Parameters are listed one by one, so only bodies can hide an anonymous object
  for (const { method, path, operation } of operations) {
    visit({ requestBody: operation.requestBody, responses: operation.responses }, `${method} ${path}`);
  }
  assertEquals(inline, [], "inline object schemas");
});

Deno.test("spec: links chain signUp → verifyEmail → signIn → refreshTokens through fields that exist", () => {
  const chain = [["signUp", "201", "verifyEmail"], ["verifyEmail", "200", "signIn"], [
    "signIn",
    "200",
    "refreshTokens",
  ]];
  for (const [from, status, to] of chain) {
    const links = byId.get(from)!.operation.responses[status].links ?? {};
    assert(Object.values(links).some((link) => link.operationId === to), `${from} ${status} links to ${to}`);
  }
  let checked = 0;
  for (const { operation } of operations) {
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const [name, link] of Object.entries(response.links ?? {})) {
        const where = `${operation.operationId} ${status} → ${name}`;
        const target = byId.get(link.operationId)?.operation;
        assert(target, `${where}: ${link.operationId} exists`);
        for (const [field, expression] of Object.entries(link.requestBody ?? {})) {
          assert(schemaAt(jsonSchemaOf(target.requestBody?.content), field), `${where}: target body has ${field}`);
          checkExpression(where, expression, operation, status);
          checked++;
        }
        for (const [parameter, expression] of Object.entries(link.parameters ?? {})) {
          assert(target.parameters?.some((p) => p.name === parameter), `${where}: target has parameter ${parameter}`);
          checkExpression(where, String(expression), operation, status);
          checked++;
        }
      }
    }
  }
  assert(checked >= 5, `checked ${checked} link fields`);
});

function checkExpression(where: string, expression: string, source: Operation, status: string) {
  const match = /^\$(request|response)\.body#(\/.*)$/.exec(expression);
  assert(match, `${where}: ${expression} is a body runtime expression`);
  const schema = match[1] === "request"
    ? jsonSchemaOf(source.requestBody?.content)
    : jsonSchemaOf(source.responses[status].content);
  assert(schemaAt(schema, match[2]), `${where}: ${expression} points at a field that exists`);
}
