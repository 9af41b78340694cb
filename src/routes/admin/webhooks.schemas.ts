import { z } from "@hono/zod-openapi";
import { WEBHOOK_EVENT_TYPES } from "../../webhook-event-types.ts";

const UUID_EXAMPLE = "0c6f3b8e-5a41-4d2e-9b57-7e1f2d3c4a5b";
const TIME_EXAMPLE = "2026-12-07T08:00:00.000Z";

function idParam(description: string) {
  return z.object({
    id: z.uuid().openapi({ param: { name: "id", in: "path" }, description, example: UUID_EXAMPLE }),
  });
}

export const EndpointIdParamsSchema = idParam("Webhook endpoint id");
export const DeliveryIdParamsSchema = idParam("Webhook delivery id");

export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).openapi("WebhookEventType", {
  description: "A webhook event type; each one's payload is typed in the spec's `webhooks` object",
  example: "user.created",
});

export const CreateWebhookSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2048).openapi({
    description: "Where events are POSTed: http or https. Its host must resolve to public addresses at delivery " +
      "time unless it is listed in WEBHOOK_ALLOWED_HOSTS",
    example: "https://hooks.example.com/jessy",
  }),
  events: z.array(WebhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length).openapi({
    description: "The event types to receive",
    example: ["user.created", "session.revoked"],
  }),
  description: z.string().trim().max(200).optional().openapi({ example: "CRM sync" }),
}).openapi("CreateWebhookRequest");

const endpointFields = {
  id: z.uuid().openapi({ example: UUID_EXAMPLE }),
  url: z.string().openapi({ example: "https://hooks.example.com/jessy" }),
  description: z.string().nullable().openapi({ example: "CRM sync" }),
  events: z.array(WebhookEventTypeSchema),
  created_at: z.string().openapi({ format: "date-time", example: TIME_EXAMPLE }),
};

export const WebhookEndpointSchema = z.object(endpointFields).openapi("WebhookEndpoint");

// A schema of its own, not .extend(): that would be emitted as an allOf wrapper
export const CreatedWebhookSchema = z.object({
  ...endpointFields,
  secret: z.string().openapi({
    description: "The signing secret (Standard Webhooks, `whsec_` + base64). Shown here once, never again",
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  }),
}).openapi("CreatedWebhookEndpoint");

export const RotatedWebhookSecretSchema = z.object({
  ...endpointFields,
  secret: z.string().openapi({
    description: "The new signing secret, first in every signature from now on. Shown here once, never again",
    example: "whsec_c2VjcmV0LXJvdGF0ZWQtZXhhbXBsZS0wMTIzNDU2Nzg=",
  }),
  previous_secrets_expire_at: z.string().openapi({
    format: "date-time",
    description: "When the secrets this one replaces stop signing (24 hours from now)",
    example: "2026-12-08T08:00:00.000Z",
  }),
}).openapi("RotatedWebhookSecret");

export const WebhookEndpointListSchema = z.object({ data: z.array(WebhookEndpointSchema) })
  .openapi("WebhookEndpointList");

export const WebhookDeliverySchema = z.object({
  id: z.uuid().openapi({ example: "7d2c9a4e-1b3f-4e6a-8c5d-9f0e1a2b3c4d" }),
  webhook_id: z.string().openapi({
    description: "The `webhook-id` header: the same on every attempt, redeliveries included",
    example: "msg_0c6f3b8e5a414d2e9b577e1f2d3c4a5b",
  }),
  type: WebhookEventTypeSchema,
  status: z.enum(["pending", "sent", "failed"]).openapi({ example: "sent" }),
  attempts: z.int().openapi({ description: "Attempts spent, the one in flight included", example: 1 }),
  last_status: z.int().nullable().openapi({
    description: "The receiver's HTTP status on the last attempt",
    example: 204,
  }),
  last_error: z.string().nullable().openapi({ description: "Why the last attempt failed", example: null }),
  next_attempt_at: z.string().nullable().openapi({
    format: "date-time",
    description: "Set while pending",
    example: null,
  }),
  created_at: z.string().openapi({ format: "date-time", example: TIME_EXAMPLE }),
  sent_at: z.string().nullable().openapi({ format: "date-time", example: TIME_EXAMPLE }),
}).openapi("WebhookDelivery");

export const WebhookDeliveryListSchema = z.object({ data: z.array(WebhookDeliverySchema) })
  .openapi("WebhookDeliveryList");

export const DeliveryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({
    param: { name: "limit", in: "query" },
    description: "Newest first, at most this many",
    example: 50,
  }),
});
