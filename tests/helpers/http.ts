/**
 * Requests as tests send them, to an app in-process (`TestApp`) or to a running server
 * (`serverAt(url)`): both answer `request(path, init)`.
 * @module
 */

/** Anything that answers a request for a path: a `TestApp`, or a running server through `serverAt`. */
export interface Api {
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** A running server (a spawned process, a sandbox) at `baseUrl`, reached over real HTTP. */
export function serverAt(baseUrl: string): Api {
  return { request: (path, init) => fetch(`${baseUrl}${path}`, init) };
}

/** The init of a JSON POST: `body` serialized (a string is sent as it is) with its content type. */
export function jsonBody(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** POSTs `body` as JSON to `path`. */
export function postJson(
  api: Api,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return api.request(path, jsonBody(body, headers));
}

/** POSTs to `path` with `Authorization: Bearer <accessToken>`: `body` as JSON, or no body at all. */
export function postAs(api: Api, path: string, accessToken: string, body?: unknown): Promise<Response> {
  if (body === undefined) return api.request(path, bearer(accessToken, { method: "POST" }));
  return postJson(api, path, body, { Authorization: `Bearer ${accessToken}` });
}

/** `init` with `Authorization: Bearer <token>` (an access token, an admin key, the metrics token). */
export function bearer(token: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } };
}

/** Reads the status and drains the body (Deno's sanitizers want every body consumed). */
export async function statusOf(response: Response | Promise<Response>): Promise<number> {
  const settled = await response;
  await settled.body?.cancel();
  return settled.status;
}

/** Reads a JSON body (problem or not) with its status. */
// deno-lint-ignore no-explicit-any -- bodies are read field by field
export async function jsonOf(response: Response | Promise<Response>): Promise<{ status: number; body: any }> {
  const settled = await response;
  return { status: settled.status, body: await settled.json() };
}
