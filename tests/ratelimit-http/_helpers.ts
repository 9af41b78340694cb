import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../src/http/define-route.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestApp, type TestApp, type TestAppOptions } from "../helpers/app.ts";
import { jsonBody } from "../helpers/http.ts";
import { SpecValidator } from "../helpers/spec-validator.ts";
import type { AuthContext } from "../../src/services/identity.ts";
import { invalidTokenError } from "../../src/errors.ts";

// Probe routes declared exactly as the account and session routes declare theirs, so
// every tier can be exercised through the real middleware chain.
const EmailBody = z.object({ email: z.string().min(3).max(320), password: z.string().optional() });
const TokenBody = z.object({ token: z.string() });
const Echo = z.object({ email: z.string() });
const Ok = z.object({ ok: z.boolean() });

function jsonRequest<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { "application/json": { schema } } } };
}

export const probeRoutes = {
  signin: defineRoute({
    method: "post",
    path: "/probe/signin",
    operationId: "probeSignin",
    tier: "auth",
    request: jsonRequest(EmailBody),
    responses: { 200: { description: "ok", content: { "application/json": { schema: Echo } } } },
  }),
  verify: defineRoute({
    method: "post",
    path: "/probe/verify",
    operationId: "probeVerify",
    tier: "email_verification",
    request: jsonRequest(EmailBody),
    responses: { 200: { description: "ok", content: { "application/json": { schema: Echo } } } },
  }),
  reset: defineRoute({
    method: "post",
    path: "/probe/reset",
    operationId: "probeReset",
    tier: "auth",
    request: jsonRequest(TokenBody),
    responses: { 200: { description: "ok", content: { "application/json": { schema: Ok } } } },
  }),
  me: defineRoute({
    method: "get",
    path: "/probe/me",
    operationId: "probeMe",
    tier: "general",
    auth: true,
    errors: ["conflict"],
    responses: { 200: { description: "ok", content: { "application/json": { schema: Ok } } } },
  }),
};

/** Bearer tokens of the form `user-<id>` stand for that user; anything else is refused. */
function authenticateProbe(token: string): Promise<AuthContext> {
  if (!token.startsWith("user-")) return Promise.reject(invalidTokenError());
  return Promise.resolve({
    userId: token.slice(5),
    sessionId: "probe-session",
    jti: crypto.randomUUID(),
    tokenVersion: 0,
    expiresAt: Math.floor(Date.now() / 1000) + 900,
    assurance: { amr: ["pwd"], aal: 1, authTime: Math.floor(Date.now() / 1000) },
  });
}

/** The socket address that fetches the served spec, so it uses no test's quota. */
const SPEC_READER = "100.64.0.1";

function from(clientIp: string) {
  return { remoteAddr: { transport: "tcp" as const, hostname: clientIp, port: 40000 } };
}

const MINUTE_MS = 60_000;
const EDGE_MS = 5_000;

/**
 * Waits out the last seconds of the current minute when a test counts against per-minute
 * limits on the real clock (Redis, or memory without an injected clock). A burst that
 * straddles a window boundary sees the sliding window's weighting of the previous minute
 * round one request down, and a sixth request can pass where the limit is five.
 */
export async function awayFromWindowEdge(): Promise<void> {
  const left = MINUTE_MS - (Date.now() % MINUTE_MS);
  if (left < EDGE_MS) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/**
 * A test app with the probe routes mounted (before any request, as Hono requires).
 * Its responses are checked against the document this app serves, which documents
 * the probe routes too.
 */
export async function createProbeApp(options: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestApp({
    ...options,
    deps: (assembled) => ({ sessions: { ...assembled.sessions, authenticate: authenticateProbe } }),
  });
  t.app
    .openapi(probeRoutes.signin, (c) => c.json({ email: c.req.valid("json").email }, 200))
    .openapi(probeRoutes.verify, (c) => c.json({ email: c.req.valid("json").email }, 200))
    .openapi(probeRoutes.reset, (c) => c.json({ ok: c.req.valid("json").token.length > 0 }, 200))
    .openapi(probeRoutes.me, (c) => c.json({ ok: true }, 200));
  let validator: SpecValidator | undefined;
  async function request(path: string, init?: RequestInit, clientIp = "127.0.0.1"): Promise<Response> {
    validator ??= new SpecValidator(await (await t.app.request("/openapi.json", undefined, from(SPEC_READER))).json());
    const response = await t.app.request(path, init, from(clientIp));
    await validator.check(init?.method ?? "GET", path, response);
    return response;
  }
  if (!options.clock) await awayFromWindowEdge();
  return { ...t, request };
}

/** Sign-in probe request for an email. */
export function signin(email: string): RequestInit {
  return jsonBody({ email, password: "not-checked-here" });
}

/** Bearer request for a user id. */
export function asUser(userId: string): RequestInit {
  return { headers: { Authorization: `Bearer user-${userId}` } };
}

/** Sends `count` requests that must all pass, draining their bodies. */
export async function expectPasses(
  send: (i: number) => Promise<Response>,
  count: number,
  label = "request",
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await send(i);
    assertEquals(response.status, 200, `${label} ${i + 1} of ${count}`);
    await response.body?.cancel();
  }
}

/** Asserts a 429 rate_limited problem with consistent Retry-After and rate-limit headers; returns its body. */
export async function expectRateLimited(response: Response, policy: string) {
  assertEquals(response.status, 429);
  assertEquals(response.headers.get("content-type"), "application/problem+json");
  const body = await response.json();
  assertEquals(body.code, "rate_limited");
  assertEquals(body.status, 429);
  assertEquals(body.request_id, response.headers.get("x-request-id"));
  const retryAfter = Number(response.headers.get("retry-after"));
  assert(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${response.headers.get("retry-after")}`);
  assertEquals(body.retry_after, retryAfter);
  assertEquals(response.headers.get("x-ratelimit-remaining"), "0");
  assert(
    (response.headers.get("ratelimit") ?? "").includes(`"${policy}";r=0;t=`),
    `RateLimit ${response.headers.get("ratelimit")}`,
  );
  assert(Number(response.headers.get("x-ratelimit-reset")) <= retryAfter, "Retry-After earlier than the reset");
  return body;
}
