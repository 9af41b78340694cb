/**
 * Webhook event types (the spec's `webhooks` object types each one's payload); the set is
 * closed so receivers can switch on it. Some come from features an instance may not have yet:
 * they are declared so receivers can prepare, and sent once their feature records them.
 */
export const WEBHOOK_EVENT_TYPES = [
  "user.created",
  "user.verified",
  "user.email_changed",
  "user.password_changed",
  "user.disabled",
  "user.enabled",
  "user.deletion_scheduled",
  "user.deleted",
  "user.mfa_enabled",
  "user.mfa_disabled",
  "session.revoked",
  "security.refresh_token_reused",
  "security.new_device_signin",
  "webhook.test",
] as const;
export type WebhookEventType = typeof WEBHOOK_EVENT_TYPES[number];

/** Events whose payload carries the account's address; emptied when the account is erased. */
export const EVENTS_WITH_EMAIL: readonly WebhookEventType[] = ["user.created", "user.verified", "user.email_changed"];

export function isWebhookEventType(text: string): text is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(text);
}
