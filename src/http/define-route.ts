import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { DEFAULT_TIER_LIMITS, type Tier } from "../config.ts";
import type { ProblemCode } from "../errors.ts";
import type { AppEnv } from "./app-env.ts";
import { requireBearer } from "./middleware/bearer.ts";
import { requireAdminKey, requireScope } from "./middleware/admin-key.ts";
import type { AdminScope } from "../services/admin/scopes.ts";
import { problemResponses, RATE_LIMIT_HEADERS, REQUEST_ID_HEADER } from "./problem-responses.ts";
import { rateLimit } from "./rate-limit/middleware.ts";
import { EMAIL_LIMITED_TIERS, rateLimitExtension, type RateLimitKey } from "./rate-limit/policy.ts";

export interface RouteDefinition<P extends string> extends Omit<RouteConfig, "path" | "responses"> {
  path: P;
  operationId: string;
  tier: Tier;
  /**
   * What the limiter keys on; defaults to user for bearer routes, ip+email for auth and
   * email_verification routes whose JSON body has an `email`, ip otherwise
   */
  rateLimitKey?: RateLimitKey;
  /**
   * Requires a bearer access token; `"user"` also loads the token's user (`c.get("user")`),
   * in the same statement as the revocation check where revocation lives in PostgreSQL
   */
  auth?: boolean | "user";
  /**
   * Requires an admin API key holding this scope (security scheme `adminApiKey`): 401 for a
   * missing, wrong, revoked or expired key, 403 `insufficient_scope` without the scope.
   * Limited per key.
   */
  adminScope?: AdminScope;
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
  const { tier, auth, adminScope, errors = [], rateLimitKey, middleware = [], responses, ...config } = definition;
  const key: RateLimitKey = rateLimitKey ??
    (adminScope ? "api_key" : defaultRateLimitKey(tier, Boolean(auth), config.request));
  const hasBody = Boolean(config.request?.body);
  const hasInput = hasBody || Boolean(config.request?.params || config.request?.query);
  const codes: ProblemCode[] = [
    ...(hasBody ? ["malformed_json", "payload_too_large", "unsupported_media_type"] as const : []),
    ...(hasInput ? ["validation_failed"] as const : []),
    // The token check reads the database (or its cache in front): an outage answers 503
    ...(auth ? ["invalid_token", "service_unavailable"] as const : []),
    ...(adminScope ? ["invalid_token", "insufficient_scope", "service_unavailable"] as const : []),
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
    ...(auth ? [requireBearer({ withUser: auth === "user" })] : []),
    ...(adminScope ? [requireAdminKey()] : []),
    rateLimit({ tier, key }),
    ...(adminScope ? [requireScope(adminScope)] : []),
    ...(Array.isArray(middleware) ? middleware : [middleware]) as MiddlewareHandler<AppEnv>[],
  ];
  return createRoute({
    ...config,
    // A body that is not `required` is skipped by the validator when absent: handlers would see {}
    ...(config.request?.body
      ? { request: { ...config.request, body: { required: true, ...config.request.body } } }
      : {}),
    security: config.security ??
      (adminScope ? [{ adminApiKey: [adminScope] }] : auth ? [{ bearerAuth: [] }] : []),
    ...(adminScope ? { "x-required-scopes": [adminScope] } : {}),
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
