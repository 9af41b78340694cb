import { defineRoute } from "../../http/define-route.ts";
import {
  CreatedWebhookSchema,
  CreateWebhookSchema,
  DeliveryIdParamsSchema,
  DeliveryQuerySchema,
  EndpointIdParamsSchema,
  RotatedWebhookSecretSchema,
  WebhookDeliveryListSchema,
  WebhookDeliverySchema,
  WebhookEndpointListSchema,
} from "./webhooks.schemas.ts";

const TAGS = ["Admin"];
const json = <T>(schema: T) => ({ "application/json": { schema } });

export const createWebhook = defineRoute({
  method: "post",
  path: "/admin/webhooks",
  operationId: "adminCreateWebhook",
  tags: TAGS,
  summary: "Subscribe a URL to events",
  description: "Events are POSTed signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`, " +
    "`webhook-signature`) with the secret in this answer, shown once. A bad URL or an unknown event type is " +
    "422 `validation_failed` naming the field.",
  tier: "admin",
  adminScope: "webhooks:write",
  request: { body: { content: json(CreateWebhookSchema), required: true } },
  responses: { 201: { description: "Subscribed", content: json(CreatedWebhookSchema) } },
});

export const listWebhooks = defineRoute({
  method: "get",
  path: "/admin/webhooks",
  operationId: "adminListWebhooks",
  tags: TAGS,
  summary: "List webhook endpoints",
  description: "Every endpoint, oldest first; secrets are never shown again.",
  tier: "admin",
  adminScope: "webhooks:read",
  responses: { 200: { description: "The endpoints", content: json(WebhookEndpointListSchema) } },
});

export const deleteWebhook = defineRoute({
  method: "delete",
  path: "/admin/webhooks/{id}",
  operationId: "adminDeleteWebhook",
  tags: TAGS,
  summary: "Remove a webhook endpoint",
  description: "The endpoint and its delivery log go; nothing more is sent to it.",
  tier: "admin",
  adminScope: "webhooks:write",
  errors: ["not_found"],
  request: { params: EndpointIdParamsSchema },
  responses: { 204: { description: "Removed" } },
});

export const rotateWebhookSecret = defineRoute({
  method: "post",
  path: "/admin/webhooks/{id}/rotate-secret",
  operationId: "adminRotateWebhookSecret",
  tags: TAGS,
  summary: "Rotate the signing secret",
  description: "A new secret, in this answer once, signs every delivery from now on. The previous secrets keep " +
    "signing beside it for 24 hours (until `previous_secrets_expire_at`), so a receiver verifies with either while " +
    "it switches; then they stop. Records `admin_webhook_secret_rotated`.",
  tier: "admin",
  adminScope: "webhooks:write",
  errors: ["not_found"],
  request: { params: EndpointIdParamsSchema },
  responses: { 200: { description: "Rotated", content: json(RotatedWebhookSecretSchema) } },
});

export const testWebhook = defineRoute({
  method: "post",
  path: "/admin/webhooks/{id}/test",
  operationId: "adminTestWebhook",
  tags: TAGS,
  summary: "Send a test event",
  description: "Queues a `webhook.test` event for this endpoint alone; the answer is its delivery, pending.",
  tier: "admin",
  adminScope: "webhooks:write",
  errors: ["not_found"],
  request: { params: EndpointIdParamsSchema },
  responses: { 202: { description: "Queued", content: json(WebhookDeliverySchema) } },
});

export const listWebhookDeliveries = defineRoute({
  method: "get",
  path: "/admin/webhooks/{id}/deliveries",
  operationId: "adminListWebhookDeliveries",
  tags: TAGS,
  summary: "An endpoint's delivery log",
  description: "Its deliveries newest first: status, attempts, the receiver's last status and error.",
  tier: "admin",
  adminScope: "webhooks:read",
  errors: ["not_found"],
  request: { params: EndpointIdParamsSchema, query: DeliveryQuerySchema },
  responses: { 200: { description: "The deliveries", content: json(WebhookDeliveryListSchema) } },
});

export const redeliverWebhook = defineRoute({
  method: "post",
  path: "/admin/webhook-deliveries/{id}/redeliver",
  operationId: "adminRedeliverWebhook",
  tags: TAGS,
  summary: "Deliver again",
  description: "Queues the delivery again from a fresh set of attempts, with its `webhook-id` (receivers that " +
    "dedupe by it ignore a copy they processed).",
  tier: "admin",
  adminScope: "webhooks:write",
  errors: ["not_found"],
  request: { params: DeliveryIdParamsSchema },
  responses: { 202: { description: "Queued", content: json(WebhookDeliverySchema) } },
});
