import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../http/define-route.ts";

export const OutboxMessageSchema = z
  .object({
    id: z.string().openapi({ example: "0b6f1f9e-4c1a-4d5e-8f3b-7a2c9d1e6f40" }),
    to: z.string().openapi({ example: "alice@example.com" }),
    subject: z.string().openapi({ example: "Your Jessy AI verification code" }),
    text: z.string().openapi({
      description: "The plain-text part",
      example: "Hello Alice,\n\nYour verification code is 042917\n\nIt expires in 15 minutes and works once.",
    }),
    created_at: z.string().openapi({
      format: "date-time",
      description: "When the mail was delivered",
      example: "2026-11-28T09:30:00.000Z",
    }),
    otp: z.string().optional().openapi({
      description: "The verification code, when the mail has one",
      example: "042917",
    }),
    reset_token: z.string().optional().openapi({
      description: "The password reset token, when the mail has one",
      example: "q3J8m0Vh2cX9yYz1pL5nT7wK4rB6sD8fG0hJ2kM4nP6",
    }),
    revert_token: z.string().optional().openapi({
      description: "The token that undoes a change of address (POST /auth/revert-email-change), when the mail has one",
      example: "Zx8m0Vh2cX9yYz1pL5nT7wK4rB6sD8fG0hJ2kM4nP6",
    }),
    cancel_token: z.string().optional().openapi({
      description: "The token that keeps an account being deleted (POST /auth/cancel-account-deletion), when the " +
        "mail has one",
      example: "Kc8m0Vh2cX9yYz1pL5nT7wK4rB6sD8fG0hJ2kM4nP6",
    }),
    not_me_token: z.string().optional().openapi({
      description: 'The "this wasn\'t me" token of an activity mail (POST /auth/report-not-me), when the mail has one',
      example: "Nm8m0Vh2cX9yYz1pL5nT7wK4rB6sD8fG0hJ2kM4nP6",
    }),
    link: z.string().optional().openapi({
      description: "The mail's link to an account page, when it has one: open it in a browser to finish the " +
        "reset, the undo or the cancel on the built-in pages",
      example: "http://localhost:8000/account/reset-password#token=q3J8m0Vh2cX9yYz1pL5nT7wK4rB6sD8fG0hJ2kM4nP6",
    }),
  })
  .openapi("OutboxMessage");

export const OutboxSchema = z
  .object({ messages: z.array(OutboxMessageSchema) })
  .openapi("Outbox");

export const outbox = defineRoute({
  method: "get",
  path: "/dev/outbox",
  operationId: "listDevOutbox",
  tags: ["Development"],
  summary: "Mail this instance delivered (development only)",
  description: "Newest first. Lets testers finish sign-up and password reset from Swagger UI without an SMTP " +
    "server: `otp`, `reset_token`, `revert_token` and `cancel_token` are lifted out of the text for convenience, and " +
    "`link` is the mail's link to an account page (/account/…), to open in a browser. Absent when " +
    "ENVIRONMENT=production.",
  tier: "public",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
    }),
  },
  responses: {
    200: { description: "Recent mail", content: { "application/json": { schema: OutboxSchema } } },
  },
});

export const DevMfaCodeSchema = z
  .object({ code: z.string().openapi({ description: "The factor's current 6-digit code", example: "492039" }) })
  .openapi("DevMfaCode");

export const mfaCode = defineRoute({
  method: "get",
  path: "/dev/mfa/code",
  operationId: "getDevMfaCode",
  tags: ["Development"],
  summary: "The current authenticator code of an address (development only)",
  description: "Lets testers set up and use a second factor from Swagger UI without a phone: the code an " +
    "authenticator app would show now for the address's factor, pending or on. 404 when the address has none. " +
    "Absent when ENVIRONMENT=production.",
  tier: "public",
  errors: ["not_found"],
  request: { query: z.object({ email: z.string().max(254).openapi({ example: "alice@example.com" }) }) },
  responses: {
    200: { description: "The current code", content: { "application/json": { schema: DevMfaCodeSchema } } },
  },
});
