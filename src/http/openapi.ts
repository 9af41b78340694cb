import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Tier } from "../config.ts";
import type { AppEnv } from "./app-env.ts";
import { AppError, type FieldError } from "./errors.ts";
import { PROBLEM_CODES, PROBLEM_TYPE_BASE, type ProblemCode } from "./problem-codes.ts";
import { ProblemSchema } from "./schemas.ts";
import { requireBearer } from "./middleware/authenticate.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { EMAIL_LIMITED_TIERS, rateLimitExtension } from "./rate-limit-policy.ts";

/** Default per-minute limits; config may override them and the served spec follows. */
export const DEFAULT_TIER_LIMITS: Record<Tier, number> = {
  auth: 5,
  email_verification: 3,
  public: 100,
  general: 60,
  voice: 10,
  security_test: 2,
};

/** Turns zod issues into the problem's `errors` list. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** A router whose validation failures become 422 problems instead of raw ZodErrors. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError("validation_failed", "The request does not match the schema", {
          errors: fieldErrors(result.error),
        });
      }
    },
  });
}

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

function problemExample(code: ProblemCode) {
  const { status, title } = PROBLEM_CODES[code];
  return {
    type: PROBLEM_TYPE_BASE + code,
    title,
    status,
    detail: title,
    code,
    request_id: "2c3b0b8e-5b0e-4a8e-9a59-8d1f1f6a9c11",
    ...(code === "validation_failed" ? { errors: [{ path: "email", message: "Invalid email address" }] } : {}),
    ...(code === "rate_limited" ? { retry_after: 42 } : {}),
  };
}

/** Response headers shared by many operations, emitted once under `components.headers`. */
export const SHARED_HEADERS = {
  "X-Request-ID": { description: "Request identifier, also in every error body", schema: { type: "string" as const } },
  "RateLimit-Policy": {
    description: "Quota policies of this operation (IETF draft-ietf-httpapi-ratelimit-headers): name, " +
      "quota `q` and window `w` in seconds; operations that take an email also list the per-email policy",
    schema: { type: "string" as const, example: '"auth";q=5;w=60, "auth_email";q=10;w=900' },
  },
  RateLimit: {
    description: "Remaining quota `r` of each policy and seconds `t` until it resets (IETF draft)",
    schema: { type: "string" as const, example: '"auth";r=4;t=37, "auth_email";r=9;t=512' },
  },
  "X-RateLimit-Limit": {
    description: "Requests allowed per window by the policy closest to its limit",
    schema: { type: "integer" as const },
  },
  "X-RateLimit-Remaining": {
    description: "Requests left in that policy's window",
    schema: { type: "integer" as const },
  },
  "X-RateLimit-Reset": {
    description: "Seconds until that policy's window resets",
    schema: { type: "integer" as const },
  },
  "Retry-After": {
    description: "Whole seconds to wait before retrying (at least 1)",
    schema: { type: "integer" as const, minimum: 1 },
  },
};

function headerRefs(...names: (keyof typeof SHARED_HEADERS)[]) {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

const RATE_LIMIT_HEADERS = headerRefs(
  "RateLimit-Policy",
  "RateLimit",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-RateLimit-Reset",
);
const REQUEST_ID_HEADER = headerRefs("X-Request-ID");

/** Problem responses grouped by status, each listing the codes it can carry. */
function problemResponses(codes: Iterable<ProblemCode>, headers: Record<string, unknown>) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEM_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const extraHeaders = status === 429 || status === 503
      ? headerRefs("Retry-After")
      : status === 405
      ? { Allow: { description: "Methods the path supports", schema: { type: "string" } } }
      : status === 401
      ? { "WWW-Authenticate": { description: "Bearer challenge (RFC 6750)", schema: { type: "string" } } }
      : {};
    responses[status] = {
      description: `Problem: ${list.join(", ")}`,
      headers: { ...headers, ...extraHeaders },
      content: {
        [PROBLEM_MEDIA_TYPE]: {
          schema: ProblemSchema,
          examples: Object.fromEntries(list.map((code) => [code, { value: problemExample(code) }])),
        },
      },
    };
  }
  return responses;
}

export type RateLimitKey = "ip" | "user" | "ip+email";

export interface RouteDefinition<P extends string> extends Omit<RouteConfig, "path" | "responses"> {
  path: P;
  operationId: string;
  tier: Tier;
  /**
   * What the limiter keys on; defaults to user for bearer routes, ip+email for auth and
   * email_verification routes whose JSON body has an `email`, ip otherwise
   */
  rateLimitKey?: RateLimitKey;
  /** Requires a bearer access token */
  auth?: boolean;
  /** Problem codes this operation can return beyond the ones every route shares */
  errors?: ProblemCode[];
  responses: RouteConfig["responses"];
}

/**
 * The route contract factory: from one declaration it derives the security requirement,
 * the rate-limit extension and headers, every problem response, and the middleware that
 * enforces authentication and the tier. Handlers and spec cannot disagree.
 */
export function defineRoute<P extends string, R extends RouteDefinition<P>>(definition: R) {
  const { tier, auth, errors = [], rateLimitKey, middleware = [], responses, ...config } = definition;
  const key: RateLimitKey = rateLimitKey ?? defaultRateLimitKey(tier, Boolean(auth), config.request);
  const hasBody = Boolean(config.request?.body);
  const hasInput = hasBody || Boolean(config.request?.params || config.request?.query);
  const codes: ProblemCode[] = [
    ...(hasBody ? ["malformed_json", "payload_too_large", "unsupported_media_type"] as const : []),
    ...(hasInput ? ["validation_failed"] as const : []),
    ...(auth ? ["invalid_token"] as const : []),
    ...errors,
    "rate_limited",
    "internal_error",
  ];
  const headers = { ...REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS };
  const successResponses = Object.fromEntries(
    Object.entries(responses).map(([status, response]) => [
      status,
      { ...response, headers: { ...headers, ...("headers" in response ? response.headers : {}) } },
    ]),
  );
  const routeMiddleware: MiddlewareHandler<AppEnv>[] = [
    ...(auth ? [requireBearer()] : []),
    rateLimit({ tier, key }),
    ...(Array.isArray(middleware) ? middleware : [middleware]) as MiddlewareHandler<AppEnv>[],
  ];
  return createRoute({
    ...config,
    // A body that is not `required` is skipped by the validator when absent: handlers would see {}
    ...(config.request?.body
      ? { request: { ...config.request, body: { required: true, ...config.request.body } } }
      : {}),
    security: auth ? [{ bearerAuth: [] }] : [],
    "x-rate-limit": rateLimitExtension(DEFAULT_TIER_LIMITS, tier, key),
    middleware: routeMiddleware,
    responses: { ...successResponses, ...problemResponses(codes, headers) },
  } as unknown as RouteConfig) as unknown as R;
}

/** Bearer routes count per user; unauthenticated routes that take an email count per email too. */
function defaultRateLimitKey(tier: Tier, auth: boolean, request: RouteConfig["request"]): RateLimitKey {
  if (auth) return "user";
  if (!EMAIL_LIMITED_TIERS.includes(tier)) return "ip";
  const media = request?.body?.content?.["application/json"];
  const schema = media && "schema" in media ? media.schema : undefined;
  return schema instanceof z.ZodObject && "email" in schema.shape ? "ip+email" : "ip";
}
