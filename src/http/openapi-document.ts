import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { VERSION } from "../version.ts";
import type { AppEnv } from "./app-env.ts";
import { SHARED_HEADERS } from "./problem-responses.ts";
import { type RateLimitExtension, rateLimitExtension } from "./rate-limit/policy.ts";
import { addMediaExamples } from "./openapi-examples.ts";

export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

const TAGS = [
  { name: "Auth", description: "Sign-up, sign-in, email verification and password reset" },
  {
    name: "Second factor",
    description: "Authenticator apps, recovery codes, the sign-in's second step and reauthentication",
  },
  {
    name: "Passkeys",
    description: "WebAuthn: register passkeys, sign in with no address, list, rename and remove them",
  },
  { name: "Sessions", description: "Token refresh, sign-out and the signed-in user's sessions and audit trail" },
  {
    name: "Account",
    description: "The signed-in owner's settings: profile, password, address, deletion, and the mailed ways back",
  },
  { name: "Health", description: "Liveness, readiness and dependency status" },
  { name: "Security", description: "Rate-limit smoke test" },
  { name: "Keys", description: "Public signing keys and metadata for services that verify access tokens" },
  { name: "Admin", description: "Operators' API, authorised by admin API keys with scopes (`adminApiKey`)" },
  {
    name: "Webhooks",
    description: "Event subscriptions (admin API keys with `webhooks:read`/`webhooks:write`); the events " +
      "themselves are typed under `webhooks`",
  },
  { name: "Docs", description: "This document and Swagger UI" },
  { name: "Development", description: "Present only when ENVIRONMENT=development" },
];

const DESCRIPTION = `Account and security service of the Jessy AI backend.

Every error is \`application/problem+json\` (RFC 9457) with a stable \`code\` and the \`request_id\`
also sent in the \`X-Request-ID\` header. Rate limits are declared per operation in \`x-rate-limit\`
and reported in the \`RateLimit\`/\`RateLimit-Policy\` headers.`;

/**
 * Generates the OpenAPI 3.1 document from the registered routes. Rate limits come from
 * the configuration, so the served document states the limits this instance enforces.
 */
export function buildOpenApiDocument(app: OpenAPIHono<AppEnv>, config: Config): OpenApiDocument {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Access token from POST /auth/signin or POST /auth/refresh",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminApiKey", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "jak_…",
    description: "Admin API key (`Authorization: Bearer jak_…`), made with `deno task admin-key create --name N " +
      "--scopes a,b`; each admin operation names the scope it needs (`users:read`, `users:write`, `audit:read`, " +
      "`tokens:introspect`) in its security requirement and in `x-required-scopes`. A missing, wrong, revoked " +
      "or expired key is 401 `invalid_token`; a key without the scope is 403 `insufficient_scope`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "healthDetailsToken", {
    type: "http",
    scheme: "bearer",
    description: "HEALTH_DETAILS_TOKEN: shows the details of GET /health in production",
  });
  for (const [name, header] of Object.entries(SHARED_HEADERS)) {
    app.openAPIRegistry.registerComponent("headers", name, header);
  }
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Jessy API",
      version: VERSION,
      description: DESCRIPTION,
      contact: { name: "Jessy AI", email: "security@jessy-ai.com", url: "https://jessy-ai.com" },
      license: { name: "Proprietary", url: "https://jessy-ai.com/terms" },
    },
    servers: [{ url: config.appUrl }],
    tags: TAGS.filter((tag) => tag.name !== "Development" || config.environment === "development"),
  });
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem) as Record<string, unknown>[]) {
      const declared = operation["x-rate-limit"] as RateLimitExtension | undefined;
      if (declared) {
        operation["x-rate-limit"] = rateLimitExtension(config.rateLimit.perMinute, declared.tier, declared.key);
      }
    }
  }
  addMediaExamples(document as unknown as Record<string, unknown>);
  return document;
}
