import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";
import { JWKS_MAX_AGE_SECONDS } from "../../services/keys/timing.ts";

const JwkSchema = z
  .object({
    kty: z.enum(["OKP", "EC"]).openapi({ description: "OKP for Ed25519, EC for P-256", example: "OKP" }),
    crv: z.enum(["Ed25519", "P-256"]).openapi({ example: "Ed25519" }),
    x: z.string().openapi({ example: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" }),
    y: z.string().optional().openapi({
      description: "P-256 keys only",
      example: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    }),
    kid: z.string().openapi({
      description: "The key's RFC 7638 thumbprint; access tokens name it in their `kid` header",
      example: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    }),
    alg: z.enum(["EdDSA", "ES256"]).openapi({ example: "EdDSA" }),
    use: z.literal("sig").openapi({ example: "sig" }),
  })
  .openapi("Jwk", { description: "Public half of a signing key (RFC 7517)" });

const JwkSetSchema = z
  .object({ keys: z.array(JwkSchema) })
  .openapi("JwkSet", {
    description: "The standby, current and previous signing keys; empty while access tokens are HS256",
  });

const MetadataSchema = z
  .object({
    issuer: z.url().openapi({ description: "The `iss` of every access token", example: "https://api.jessy-ai.com" }),
    jwks_uri: z.url().openapi({ example: "https://api.jessy-ai.com/.well-known/jwks.json" }),
    introspection_endpoint: z.url().openapi({
      description: "RFC 7662 token introspection, authorised by an admin API key with scope `tokens:introspect`",
      example: "https://api.jessy-ai.com/oauth/introspect",
    }),
    response_types_supported: z.array(z.string()).openapi({
      description: "Empty: tokens come from POST /auth/signin, there is no authorization endpoint",
      example: [],
    }),
  })
  .openapi("AuthorizationServerMetadata", { description: "RFC 8414 authorization server metadata" });

const cacheControl = {
  "Cache-Control": {
    description: `Cacheable for ${JWKS_MAX_AGE_SECONDS} s: a key is published that long before it signs`,
    schema: { type: "string" as const, example: `public, max-age=${JWKS_MAX_AGE_SECONDS}` },
  },
};

export const jwks = defineRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  operationId: "getJwks",
  tags: ["Keys"],
  summary: "Public signing keys (JWKS)",
  description: "The public keys that verify access tokens when `JWT_SIGNING_ALG` is EdDSA or ES256: the current " +
    "key, the standby key that will replace it (published at least " + `${JWKS_MAX_AGE_SECONDS} s before it signs) ` +
    "and the previous key while tokens it signed can still be valid. Pick the key by the token's `kid`; a revoked " +
    "key leaves the set. Resource servers verify access tokens with it (for example jose's `createRemoteJWKSet`) " +
    "and never hold a secret that could sign one.",
  tier: "public",
  responses: {
    200: {
      description: "JSON Web Key Set",
      headers: cacheControl,
      content: { "application/json": { schema: JwkSetSchema } },
    },
  },
});

export const metadata = defineRoute({
  method: "get",
  path: "/.well-known/oauth-authorization-server",
  operationId: "getAuthorizationServerMetadata",
  tags: ["Keys"],
  summary: "Authorization server metadata (RFC 8414)",
  description: "The issuer of access tokens, where its public keys are and where resource servers introspect tokens.",
  tier: "public",
  responses: {
    200: {
      description: "Authorization server metadata",
      headers: cacheControl,
      content: { "application/json": { schema: MetadataSchema } },
    },
  },
});
