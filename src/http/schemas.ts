import { z } from "@hono/zod-openapi";
import { PROBLEM_CODES } from "../errors.ts";

const problemCodes = Object.keys(PROBLEM_CODES) as [keyof typeof PROBLEM_CODES, ...(keyof typeof PROBLEM_CODES)[]];

export const FieldErrorSchema = z
  .object({
    path: z.string().openapi({ description: "Dotted path of the field; empty for the whole body", example: "email" }),
    message: z.string().openapi({ example: "Invalid email address" }),
  })
  .openapi("FieldError");

/** RFC 9457 problem details: the body of every non-2xx response. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ format: "uri", example: "https://jessy-ai.com/problems/validation_failed" }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().openapi({ example: "The request body does not match the schema" }),
    code: z.enum(problemCodes).openapi({
      description: "Stable machine-readable error code",
      example: "validation_failed",
    }),
    request_id: z.string().openapi({ description: "Echoes the X-Request-ID response header", example: "01J9Z…" }),
    trace_id: z.string().regex(/^[0-9a-f]{32}$/).optional().openapi({
      description: "W3C trace id of the request's OpenTelemetry trace; present only when the service exports traces",
      example: "4bf92f3577b34da6a3ce929d0e0e4736",
    }),
    errors: z.array(FieldErrorSchema).optional().openapi({ description: "Present on validation failures" }),
    retry_after: z.number().int().optional().openapi({ description: "Seconds to wait; present on 429", example: 42 }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details" });

/** The signed-in user (GET /auth/me, PATCH /auth/me, POST /auth/confirm-email-change). */
export const CurrentUserSchema = z
  .object({
    id: z.uuid().openapi({ example: "5b1f3c1e-8d9a-4c1e-9f7e-2a6b4f1d9c3a" }),
    email: z.string().openapi({ example: "ada@example.com" }),
    name: z.string().nullable().openapi({ example: "Ada Lovelace" }),
    email_verified: z.boolean().openapi({ example: true }),
    created_at: z.string().openapi({ format: "date-time", example: "2026-11-27T18:00:00.000Z" }),
  })
  .openapi("CurrentUser");

/** OAuth-style token pair returned by sign-in and refresh. */
export const TokenPairSchema = z
  .object({
    access_token: z.string().openapi({
      description: "JWT (HS256) to send as `Authorization: Bearer …`",
      example: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    }),
    refresh_token: z.string().openapi({
      description: "Single-use token for POST /auth/refresh",
      example: "eyJhbGciOiJIUzI1NiIsInR5cCI6InJ0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    }),
    token_type: z.literal("Bearer").openapi({ example: "Bearer" }),
    expires_in: z.number().int().openapi({ description: "Access-token lifetime in seconds", example: 900 }),
  })
  .openapi("TokenPair", {
    example: {
      access_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
      refresh_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6InJ0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
      token_type: "Bearer",
      expires_in: 900,
    },
  });

/**
 * OpenAPI links from a response carrying a token pair (sign-in, refresh) to what a client
 * does next: refresh with the refresh token, or call a bearer operation with the access token
 * (links cannot set headers, so those say which field to send as `Authorization: Bearer`).
 */
export const SIGNED_IN_LINKS = {
  refreshTokens: {
    operationId: "refreshTokens",
    description: "Rotate the pair before the access token expires (`expires_in` seconds)",
    requestBody: { refresh_token: "$response.body#/refresh_token" },
  },
  getCurrentUser: {
    operationId: "getCurrentUser",
    description: "The signed-in user; send `access_token` as `Authorization: Bearer …`",
  },
  listSessions: {
    operationId: "listSessions",
    description: "The user's active sessions; send `access_token` as `Authorization: Bearer …`",
  },
  logout: {
    operationId: "logout",
    description: "End this session; send `access_token` as `Authorization: Bearer …`",
  },
};

/** RFC 8176 methods a sign-in proved: `pwd`, then `otp` (an authenticator code) or `mfa` (a recovery code). */
export const AmrSchema = z.array(z.string()).openapi({
  description: 'How the sign-in was proven (RFC 8176): `["pwd"]`, `["pwd", "otp"]` with an authenticator ' +
    'code, `["pwd", "mfa"]` with a recovery code',
  example: ["pwd", "otp"],
});

/** Authenticator assurance level: 2 once a second factor was proven. */
export const AalSchema = z.union([z.literal(1), z.literal(2)]).openapi({
  description: "Authenticator assurance level: 1 for a password alone, 2 with a second factor. A resource " +
    "server that needs a second factor checks `aal` is 2",
  example: 2,
});
