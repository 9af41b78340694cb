import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { contractConfig, specDocument } from "../../src/cli/spec-file.ts";
import { AssertionError } from "./assert.ts";

const SPEC_URL = new URL("../../openapi/openapi.json", import.meta.url);

interface MediaType {
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
  headers?: Record<string, unknown>;
}
interface Operation {
  operationId: string;
  responses: Record<string, ResponseObject>;
}

/**
 * The HTML pages the app serves outside the contract (`hide: true`): Swagger UI and the account
 * pages. They answer a person's browser, not a client; their tests check them on their own.
 */
const PAGES_OUTSIDE_THE_SPEC = /^\/(?:docs(?:\/assets\/[^/]+)?|account\/[^/]+(?:\/[^/]+)?)$/;

type SpecDocument = { paths: Record<string, Record<string, Operation>> };

interface CompiledOperation {
  method: string;
  pattern: RegExp;
  template: string;
  operation: Operation;
}

/**
 * Checks live responses against the committed OpenAPI document: the status must be
 * documented for the operation, the content type declared, and the body valid against
 * the declared schema. Every request the suites send through the test app passes here,
 * so a route that returns an undocumented status or shape fails its tests.
 */
export class SpecValidator {
  readonly #operations: CompiledOperation[] = [];
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #validators = new Map<string, ValidateFunction>();

  /**
   * `fallback` answers for operations this document lacks: the development-only routes, which
   * the committed (production) contract leaves out
   */
  constructor(
    readonly document: SpecDocument,
    readonly fallback?: SpecValidator,
  ) {
    addFormats.default(this.#ajv);
    this.#ajv.addSchema(document as object, "spec");
    for (const [template, item] of Object.entries(document.paths)) {
      const pattern = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
      for (const [method, operation] of Object.entries(item)) {
        this.#operations.push({ method: method.toUpperCase(), pattern, template, operation });
      }
    }
  }

  /** The documented operation for a request, or undefined when the spec has none. */
  find(method: string, path: string): CompiledOperation | undefined {
    return this.#operations.find((op) => op.method === method && op.pattern.test(path));
  }

  /** Throws an AssertionError describing how the response breaks the contract. */
  async check(method: string, url: string, response: Response): Promise<void> {
    const path = new URL(url, "http://localhost").pathname;
    if (method === "OPTIONS" || method === "HEAD") return;
    const found = this.find(method, path);
    if (!found && this.fallback?.find(method, path)) return await this.fallback.check(method, url, response);
    if (!found && PAGES_OUTSIDE_THE_SPEC.test(path)) return;
    if (!found) {
      // Unknown routes and wrong methods are answered by the app-wide 404/405 problems
      if (![404, 405].includes(response.status)) {
        throw new AssertionError(`${method} ${path} answered ${response.status} but is not in the spec`);
      }
      return;
    }
    const where = `${method} ${found.template} → ${response.status}`;
    const declared = found.operation.responses[String(response.status)];
    if (!declared) {
      throw new AssertionError(
        `${where}: status not documented (documented: ${Object.keys(found.operation.responses)})`,
      );
    }
    const contentType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
    const content = declared.content;
    if (!content || Object.keys(content).length === 0) {
      const text = await response.clone().text();
      if (text.length > 0) throw new AssertionError(`${where}: documented without a body but sent ${contentType}`);
      return;
    }
    const media = content[contentType];
    if (!media) {
      throw new AssertionError(`${where}: content type ${contentType || "(none)"} not in ${Object.keys(content)}`);
    }
    if (!media.schema || !contentType.includes("json")) return;
    const validate = this.#validator(found, String(response.status), contentType, media.schema);
    if (contentType === "application/x-ndjson") {
      // A stream of JSON objects, one per line: each must match the declared schema
      const lines = (await response.clone().text()).split("\n").filter((line) => line !== "");
      for (const line of lines) {
        if (!validate(JSON.parse(line))) {
          throw new AssertionError(
            `${where}: a line does not match the schema: ${this.#ajv.errorsText(validate.errors)}`,
          );
        }
      }
      return;
    }
    const body = await response.clone().json();
    if (!validate(body)) {
      throw new AssertionError(
        `${where}: body does not match the schema: ${this.#ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
      );
    }
  }

  #validator(found: CompiledOperation, status: string, contentType: string, schema: Record<string, unknown>) {
    const key = `${found.method} ${found.template} ${status} ${contentType}`;
    let validate = this.#validators.get(key);
    if (!validate) {
      // Resolve component references against the whole document
      const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/'));
      validate = this.#ajv.compile(rewritten);
      this.#validators.set(key, validate);
    }
    return validate;
  }
}

let shared: SpecValidator | undefined;
let development: SpecValidator | undefined;

/** The validator for the committed openapi/openapi.json, loaded once per test process. */
export function specValidator(): SpecValidator {
  shared ??= new SpecValidator(JSON.parse(Deno.readTextFileSync(SPEC_URL)));
  return shared;
}

/**
 * The validator for a development app: the committed contract, and for the development-only
 * operations (GET /dev/outbox) the document a development app serves at /openapi.json.
 */
export function developmentSpecValidator(): SpecValidator {
  if (!development) {
    // As JSON, exactly as it is served
    const served = JSON.parse(JSON.stringify(specDocument({ ...contractConfig(), environment: "development" })));
    development = new SpecValidator(specValidator().document, new SpecValidator(served));
  }
  return development;
}
