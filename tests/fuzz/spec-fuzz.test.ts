/**
 * Spec-driven fuzzing: for every operation in openapi/openapi.json, valid requests generated
 * from its schemas and hostile ones. Every response must be documented (status, content type,
 * body schema — checked by the test app's spec validator), never a 5xx, never carry a stack
 * or SQL text; and the users table holds exactly the accounts valid sign-ups created.
 * FUZZ_SEED and FUZZ_RUNS override the fixed seed and the number of cases per operation.
 */
import fc from "npm:fast-check@4.11.0";
import { sql } from "kysely";
import { assert, assertEquals } from "../helpers/assert.ts";
import { arbitraryFromSchema, HOSTILE_STRINGS, hostileBodies, type JsonSchema, type RawBody } from "./_helpers.ts";
import { createTestApp } from "../helpers/app.ts";
import { insertUserIfAbsent } from "../../src/repositories/users.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261127);
const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 200);
const TIME_LIMIT_MS = 20_000;

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: Array<Record<string, string[]>>;
}

const spec = JSON.parse(await Deno.readTextFile(new URL("../../openapi/openapi.json", import.meta.url)));
const components: Record<string, JsonSchema> = spec.components?.schemas ?? {};
const t = await createTestApp({
  env: {
    RATE_LIMIT_AUTH_PER_MINUTE: "100000",
    RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "100000",
    RATE_LIMIT_PUBLIC_PER_MINUTE: "100000",
    RATE_LIMIT_GENERAL_PER_MINUTE: "100000",
    RATE_LIMIT_SECURITY_TEST_PER_MINUTE: "100000",
  },
});
const db = t.deps.database.db;
/** Normalized emails that must own exactly one users row at the end */
const expectedUsers = new Set<string>();

// Stack frames, SQL, driver names and validation internals; the bare word "postgres" is allowed
// because /health names the database kind
const LEAK =
  /(\bat\s+\S+\.(ts|js):\d+)|(\bselect\b.*\bfrom\b)|(syntax error)|(postgres(ql)?:\/\/)|(PostgresError)|(postgres\.js)|(kysely)|(node_modules)|(ZodError)/i;

async function mintBearer(): Promise<string | undefined> {
  if (!t.deps.sessions) return undefined;
  const email = `fuzz-${crypto.randomUUID()}@example.com`;
  const now = new Date();
  const user = await insertUserIfAbsent(db, {
    email,
    email_normalized: email,
    password_hash: "x",
    email_verified: true,
    created_at: now,
    updated_at: now,
  });
  expectedUsers.add(email);
  const pair = await t.deps.sessions.startSession(user!, { ip: null, userAgent: null, requestId: null });
  return pair.access_token;
}

interface FuzzRequest {
  label: string;
  path: string;
  query: string;
  body?: RawBody;
  /** The parsed body when it was generated as valid */
  validBody?: unknown;
}

function pathArbitrary(template: string, parameters: Parameter[]): fc.Arbitrary<string> {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  if (names.length === 0) return fc.constant(template);
  const examples = parameters.flatMap((p) => (p.in === "path" && p.schema.example ? [String(p.schema.example)] : []));
  const value = fc.oneof(
    fc.uuid(),
    fc.constantFrom(...HOSTILE_STRINGS.slice(0, 9), ...examples),
    fc.string({ maxLength: 20 }),
  );
  return fc.tuple(...names.map(() => value)).map((values) =>
    names.reduce((path, name, i) => path.replace(`{${name}}`, encodeURIComponent(values[i]) || "x"), template)
  ).filter(() => parameters.length >= 0);
}

function queryArbitrary(parameters: Parameter[]): fc.Arbitrary<string> {
  const query = parameters.filter((p) => p.in === "query");
  if (query.length === 0) return fc.constant("");
  return fc.tuple(
    ...query.map((p) =>
      fc.option(
        fc.oneof(
          arbitraryFromSchema(p.schema, components).map(String),
          fc.constantFrom("-1", "0", "abc", "1e9", "", "%00", "'; select 1; --"),
        ),
        { nil: undefined },
      )
    ),
  ).map((values) => {
    const params = new URLSearchParams();
    values.forEach((value, i) => value !== undefined && params.set(query[i].name, value));
    const text = params.toString();
    return text ? `?${text}` : "";
  });
}

function requestArbitrary(template: string, operation: Operation): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.parameters ?? [];
  const path = pathArbitrary(template, parameters);
  const query = queryArbitrary(parameters);
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  if (!bodySchema) return fc.record({ label: fc.constant("no body"), path, query });
  const valid = arbitraryFromSchema(bodySchema, components);
  return fc.oneof(
    fc.record({ path, query, validBody: valid }).map((r) => ({
      ...r,
      label: "valid body",
      body: { label: "valid", bytes: new TextEncoder().encode(JSON.stringify(r.validBody)) },
    })),
    fc.record({ path, query, body: hostileBodies(valid, bodySchema, components) }).map((r) => ({
      ...r,
      label: r.body.label,
    })),
  );
}

let statuses: number[] = [];

async function send(method: string, template: string, operation: Operation, request: FuzzRequest) {
  const needsBearer = operation.security?.some((requirement) => "bearerAuth" in requirement);
  const bearer = needsBearer ? await mintBearer() : undefined;
  const headers: Record<string, string> = {};
  if (request.body) headers["Content-Type"] = "application/json";
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await t.request(`${request.path}${request.query}`, {
    method: method.toUpperCase(),
    headers,
    body: request.body?.bytes as BodyInit | undefined,
  });
  const text = await response.text();
  statuses.push(response.status);
  const where = `${method.toUpperCase()} ${template} [${request.label}] → ${response.status}`;
  assert(response.status < 500, `${where}: server error ${text}`);
  assert(!LEAK.test(text) || template === "/openapi.json" || template.startsWith("/docs"), `${where}: leaks ${text}`);
  if (template === "/auth/signup" && response.status === 201 && request.body) {
    // Accepted bodies include "hostile" ones that are valid after unknown fields are dropped
    const sent = JSON.parse(new TextDecoder().decode(request.body.bytes));
    expectedUsers.add(String(sent.email).trim().toLowerCase());
  }
}

const operations: Array<[string, string, Operation]> = Object.entries<Record<string, Operation>>(spec.paths)
  .flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => [path, method, op] as [string, string, Operation])
  );

for (const [template, method, operation] of operations) {
  Deno.test({
    name: `fuzz: ${method.toUpperCase()} ${template} answers only documented, leak-free, non-5xx responses`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      statuses = [];
      await fc.assert(
        fc.asyncProperty(requestArbitrary(template, operation), async (request) => {
          await send(method, template, operation, request);
        }),
        { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
      );
      const counts = Object.entries(Object.groupBy(statuses, String)).map(([k, v]) => `${k}×${v!.length}`);
      console.log(`${method.toUpperCase()} ${template}: ${counts.join(" ")}`);
    },
  });
}

Deno.test({
  name: "fuzz: the users table holds exactly the accounts that valid sign-ups created",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { rows } = await sql<{ email_normalized: string }>`select email_normalized from users`.execute(db);
    const actual = new Set(rows.map((row) => row.email_normalized));
    assertEquals(rows.length, actual.size, "one row per address");
    assertEquals([...actual].sort(), [...expectedUsers].sort());
    await t.close();
  },
});
