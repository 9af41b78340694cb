/**
 * Requests built from an OpenAPI document: its operations, and for each a request of the
 * shape it declares (path parameters, required query parameters and the body from the
 * document's own examples), so a test can cover every operation without a hand list.
 */

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
  schema?: { example?: unknown };
}

interface MediaType {
  example?: unknown;
}

/** An operation as the document states it. */
export interface SpecOperation {
  /** Upper case, as a request sends it */
  method: string;
  /** The path template, `/auth/sessions/{id}` */
  path: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, MediaType> };
}

interface SpecDocument {
  paths: Record<string, Record<string, Omit<SpecOperation, "method" | "path">>>;
}

/** Every operation of the document. */
export function specOperations(document: SpecDocument): SpecOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ ...operation, method: method.toUpperCase(), path }))
  );
}

/** True when the operation requires this security scheme (alone or with others) in every alternative. */
export function requiresScheme(operation: SpecOperation, scheme: string): boolean {
  const security = operation.security ?? [];
  return security.length > 0 && security.every((requirement) => scheme in requirement);
}

function exampleOf(parameter: Parameter): string {
  const example = parameter.example ?? parameter.schema?.example;
  if (example === undefined) throw new Error(`The document gives no example for the parameter ${parameter.name}`);
  return String(example);
}

/** The operation's URL and request, valid by its declaration, with these headers added. */
export function exampleRequest(
  operation: SpecOperation,
  headers: Record<string, string> = {},
): { url: string; init: RequestInit } {
  const parameters = operation.parameters ?? [];
  const url = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const parameter = parameters.find((each) => each.in === "path" && each.name === name);
    if (!parameter) throw new Error(`${operation.path} does not declare its parameter ${name}`);
    return encodeURIComponent(exampleOf(parameter));
  });
  const query = new URLSearchParams(
    parameters.filter((each) => each.in === "query" && each.required).map((each) => [each.name, exampleOf(each)]),
  );
  const init: RequestInit = { method: operation.method, headers: { ...headers } };
  const [mediaType, media] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
  if (mediaType && media) {
    if (media.example === undefined) throw new Error(`${operation.method} ${operation.path} has no body example`);
    init.headers = { ...init.headers, "Content-Type": mediaType };
    init.body = mediaType === "application/x-www-form-urlencoded"
      ? new URLSearchParams(media.example as Record<string, string>).toString()
      : JSON.stringify(media.example);
  }
  return { url: query.size > 0 ? `${url}?${query}` : url, init };
}
