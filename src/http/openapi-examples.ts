/**
 * Media-type examples for every request body and response of the document, derived once
 * from the schemas' own examples. Swagger UI pre-fills "Try it out" from them, SDK
 * generators copy them into doc comments, and the lint validates them against the schemas.
 */

type Json = Record<string, unknown>;

const MAX_DEPTH = 8;

/** Adds an `example` to every media type that has neither `example` nor `examples`. */
export function addMediaExamples(document: Json): void {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  for (const pathItem of Object.values((document.paths ?? {}) as Record<string, Json>)) {
    for (const operation of Object.values(pathItem) as Json[]) {
      const bodies = [
        (operation.requestBody as Json | undefined)?.content,
        ...Object.values((operation.responses ?? {}) as Record<string, Json>).map((response) => response.content),
      ];
      for (const content of bodies) {
        for (const media of Object.values((content ?? {}) as Record<string, Json>)) {
          if ("example" in media || "examples" in media || !media.schema) continue;
          const example = exampleOf(media.schema as Json, schemas, 0);
          if (example !== undefined) media.example = example;
        }
      }
    }
  }
}

/** The schema's own example, or one assembled from the examples of its parts. */
export function exampleOf(schema: Json, schemas: Record<string, Json>, depth: number): unknown {
  if (depth > MAX_DEPTH) return undefined;
  if (typeof schema.$ref === "string") {
    const target = schemas[schema.$ref.replace("#/components/schemas/", "")];
    return target ? exampleOf(target, schemas, depth + 1) : undefined;
  }
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants) {
    const variant = variants.find((candidate) => candidate.type !== "null");
    return variant ? exampleOf(variant, schemas, depth + 1) : null;
  }
  if (schema.properties) {
    const entries = Object.entries(schema.properties as Record<string, Json>)
      .map(([name, property]) => [name, exampleOf(property, schemas, depth + 1)])
      .filter(([, value]) => value !== undefined);
    return Object.fromEntries(entries);
  }
  if (schema.items) {
    const item = exampleOf(schema.items as Json, schemas, depth + 1);
    return item === undefined ? [] : [item];
  }
  return undefined;
}
