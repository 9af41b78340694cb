/**
 * The events this service POSTs to webhook endpoints, as the spec's `webhooks` object: one entry
 * per event type with its payload and the Standard Webhooks headers.
 * @module
 */
import { type OpenAPIHono, z } from "@hono/zod-openapi";

type OpenAPIRegistry = OpenAPIHono["openAPIRegistry"];
import type { WebhookEventType } from "../../webhook-event-types.ts";

const USER_ID = z.uuid().openapi({ description: "The account's id", example: "5b1f3c1e-8d9a-4c1e-9f7e-2a6b4f1d9c3a" });
const EMAIL = z.email().optional().openapi({
  description: "The account's address when the event was queued; removed from deliveries still waiting when the " +
    "account is erased",
  example: "ada@example.com",
});
const userData = z.object({ user_id: USER_ID });
const userDataWithEmail = z.object({ user_id: USER_ID, email: EMAIL });

const DATA: Record<WebhookEventType, { summary: string; data: z.ZodType }> = {
  "user.created": { summary: "An account was signed up (unverified until user.verified)", data: userDataWithEmail },
  "user.verified": { summary: "An account's address was verified", data: userDataWithEmail },
  "user.email_changed": { summary: "An account's address changed (or a change was reverted)", data: userDataWithEmail },
  "user.password_changed": { summary: "A password was changed or reset", data: userData },
  "user.disabled": { summary: "An administrator disabled an account", data: userData },
  "user.enabled": { summary: "An administrator enabled an account", data: userData },
  "user.deletion_scheduled": {
    summary: "An account's deletion was requested (erased after the grace)",
    data: userData,
  },
  "user.deleted": { summary: "An account was erased; its id alone, no personal data", data: userData },
  "user.mfa_enabled": { summary: "A second factor was turned on", data: userData },
  "user.mfa_disabled": { summary: "A second factor was turned off", data: userData },
  "session.revoked": {
    summary: "One session or every session of an account ended",
    data: z.object({
      user_id: USER_ID,
      reason: z.enum(["logout", "logout_all", "session_revoked", "admin_signed_out"]).openapi({
        description: "`logout` and `session_revoked` end one session; `logout_all` and `admin_signed_out` all",
        example: "logout",
      }),
    }),
  },
  "security.refresh_token_reused": {
    summary: "A rotated refresh token was presented again: the session was ended as compromised",
    data: userData,
  },
  "security.new_device_signin": { summary: "A sign-in from a device the account had not used", data: userData },
  "webhook.test": {
    summary: "Sent by POST /admin/webhooks/{id}/test",
    data: z.object({ endpoint_id: z.uuid().openapi({ example: "0c6f3b8e-5a41-4d2e-9b57-7e1f2d3c4a5b" }) }),
  },
};

const HEADERS = z.object({
  "webhook-id": z.string().openapi({
    description: "The event's id: the same on every attempt and redelivery; dedupe by it",
    example: "msg_0c6f3b8e5a414d2e9b577e1f2d3c4a5b",
  }),
  "webhook-timestamp": z.string().openapi({ description: "Unix seconds of this attempt", example: "1796630400" }),
  "webhook-signature": z.string().openapi({
    description: "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated while secrets rotate",
    example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }),
});

/** Adds every event type to the registry's `webhooks`. */
export function registerWebhookEvents(registry: OpenAPIRegistry): void {
  for (const [type, { summary, data }] of Object.entries(DATA) as [WebhookEventType, typeof DATA[WebhookEventType]][]) {
    const payload = z.object({
      type: z.literal(type).openapi({ example: type }),
      timestamp: z.string().openapi({
        format: "date-time",
        description: "When the change happened",
        example: "2026-12-07T08:00:00.000Z",
      }),
      data,
    });
    registry.registerWebhook({
      method: "post",
      path: type,
      operationId: `${camel(type)}Event`,
      summary,
      description: `${summary}. Signed as Standard Webhooks; acknowledge with any 2xx, dedupe by \`webhook-id\`.`,
      security: [],
      tags: ["Webhooks"],
      request: { headers: HEADERS, body: { content: { "application/json": { schema: payload } }, required: true } },
      responses: {
        200: { description: "Any 2xx acknowledges the event; anything else (a redirect too) is retried" },
      },
    });
  }
}

/** `user.email_changed` → `userEmailChanged`. */
function camel(type: string): string {
  return type.replace(/[._]([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
