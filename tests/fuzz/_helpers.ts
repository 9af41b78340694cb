import fc from "npm:fast-check@4.11.0";

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  example?: unknown;
};

type Components = Record<string, JsonSchema>;

function resolve(schema: JsonSchema, components: Components): JsonSchema {
  let current = schema;
  while (current.$ref) current = components[current.$ref.replace("#/components/schemas/", "")];
  return current;
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === "email") {
    // Mostly plain addresses the service accepts, some exotic RFC 5322 ones it may refuse
    const plain = fc.tuple(
      fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/),
      fc.constantFrom("example.com", "Test.ORG"),
    )
      .map(([local, domain]) => `${local}@${domain}`);
    return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: fc.emailAddress() })
      .filter((e) => e.length <= (schema.maxLength ?? 254));
  }
  if (schema.format === "uuid") return fc.uuid();
  if (schema.pattern === "^\\d{6}$" || schema.pattern === "^[0-9]{6}$") return fc.stringMatching(/^\d{6}$/);
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 64, minLength + 64);
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength, unit: "grapheme-ascii" }) },
    { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: "grapheme" }) },
  );
}

/** Values that satisfy a JSON schema (the subset zod emits), for valid requests. */
export function arbitraryFromSchema(schema: JsonSchema, components: Components): fc.Arbitrary<unknown> {
  const s = resolve(schema, components);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf ?? s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf)!.map((x) => arbitraryFromSchema(x, components)));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const properties = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const entries = Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, arbitraryFromSchema(value, components)]),
      );
      return fc.record(entries, { requiredKeys: [...required] as never[] });
    }
    case "array":
      return fc.array(arbitraryFromSchema(s.items ?? {}, components), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 5, 5),
      });
    case "string":
      return stringArbitrary(s);
    case "integer":
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1000 });
    case "number":
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
    case "boolean":
      return fc.boolean();
    default:
      return fc.jsonValue();
  }
}

const ENCODER = new TextEncoder();

/** Strings attackers send. */
export const HOSTILE_STRINGS = [
  "",
  "\u0000",
  "a\u0000b@example.com",
  "' OR '1'='1' --",
  "x'; DROP TABLE users; --",
  "<script>alert(1)</script>",
  "${7*7}{{7*7}}",
  "../../etc/passwd",
  "\u202e\ufeff",
  "𝕏".repeat(40),
  "a".repeat(10_000),
];

/** A request body as raw bytes, plus a label for failure reports. */
export interface RawBody {
  label: string;
  bytes: Uint8Array;
}

function json(label: string, value: unknown): RawBody {
  return { label, bytes: ENCODER.encode(JSON.stringify(value)) };
}

/**
 * Hostile bodies for an operation whose valid body is `valid`: wrong types, missing and
 * extra fields, null, [], huge strings, NUL, __proto__, injection strings, invalid UTF-8
 * and duplicate keys.
 */
export function hostileBodies(valid: fc.Arbitrary<unknown>, schema: JsonSchema, components: Components) {
  const s = resolve(schema, components);
  const keys = Object.keys(s.properties ?? {});
  const key = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant("field");
  const anyJson = fc.oneof(
    fc.constant(null),
    fc.constant([]),
    fc.constant({}),
    fc.integer(),
    fc.boolean(),
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.array(fc.string(), { maxLength: 3 }),
  );
  const record = valid.map((v) => (v && typeof v === "object" ? { ...(v as Record<string, unknown>) } : {}));
  return fc.oneof(
    fc.constantFrom<RawBody>(
      json("null body", null),
      json("array body", []),
      json("string body", "hello"),
      json("number body", 42),
      { label: "empty body", bytes: new Uint8Array() },
      { label: "truncated JSON", bytes: ENCODER.encode('{"email": "a@b.co"') },
      { label: "invalid UTF-8", bytes: new Uint8Array([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
      { label: "__proto__ pollution", bytes: ENCODER.encode('{"__proto__": {"admin": true}, "constructor": {}}') },
    ),
    fc.tuple(record, key, anyJson).map(([body, k, value]) => json(`wrong type for ${k}`, { ...body, [k]: value })),
    fc.tuple(record, key).map(([body, k]) => {
      const copy = { ...body };
      delete copy[k];
      return json(`missing ${k}`, copy);
    }),
    fc.tuple(record, fc.constantFrom("email_verified", "role", "token_version", "__proto__", "id", "is_admin"))
      .map(([body, extra]) => json(`extra field ${extra}`, { ...body, [extra]: true })),
    fc.tuple(record, key, fc.constantFrom(...HOSTILE_STRINGS))
      .map(([body, k, value]) => json(`hostile string in ${k}`, { ...body, [k]: value })),
    fc.tuple(record, key).map(([body, k]) => {
      const text = JSON.stringify(body);
      const duplicated = text.length > 2
        ? `${text.slice(0, -1)},${JSON.stringify(k)}:"duplicate"}`
        : `{${JSON.stringify(k)}:"a",${JSON.stringify(k)}:"b"}`;
      return { label: `duplicate key ${k}`, bytes: ENCODER.encode(duplicated) };
    }),
  );
}
