import { type SpecValidator, specValidator } from "./spec-validator.ts";

export interface ValidatingFetch {
  fetch: typeof globalThis.fetch;
  /** `METHOD path → status` of every response checked so far */
  seen: string[];
}

/**
 * A fetch that checks every response against openapi/openapi.json (status documented,
 * content type declared, body valid) before the caller sees it, so clients driving a live
 * server prove the contract on every request they send. Against a development server, pass
 * developmentSpecValidator() so its development-only routes are checked too.
 */
export function validatingFetch(
  base: typeof globalThis.fetch = globalThis.fetch,
  validator: SpecValidator = specValidator(),
): ValidatingFetch {
  const seen: string[] = [];
  async function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const response = await base(request);
    const path = new URL(request.url).pathname;
    await validator.check(request.method, path, response);
    seen.push(`${request.method} ${path} → ${response.status}`);
    return response;
  }
  return { fetch, seen };
}
