/**
 * What the service reports as it works, for metrics: a port the services, the limiter, the
 * mail worker and the HTTP layer call, implemented with prom-client in src/metrics/ (or by
 * {@link NOOP_OBSERVER} when metrics are off). Labels are closed sets: operation ids of the
 * route contracts, tiers, policies, event types, the outcomes named here.
 * @module
 */
import type { SecurityEventType } from "./security-event-types.ts";
import type { ActivityMailKind } from "./activity-mail-kinds.ts";

/** A rate-limit check: counted and let through, counted and refused, or not counted (store timed out). */
export type RateLimitOutcome = "allowed" | "limited" | "uncounted";
/** Where a token check found the revocation facts. */
export type RevocationSource = "cache" | "database";
/** What one delivery attempt of an outbox mail came to. */
export type MailDeliveryOutcome = "sent" | "retry" | "failed";
/** A durable-delivery table at a glance: rows per status, and when the oldest pending one was queued. */
export interface DeliveryBacklog {
  counts: Record<"pending" | "sent" | "failed", number>;
  oldestPendingAt: Date | null;
}
/** The shared mail outbox at a glance. */
export type MailOutboxBacklog = DeliveryBacklog;
/** The webhook deliveries at a glance. */
export type WebhookBacklog = DeliveryBacklog;
/** Which bcrypt operation ran. */
export type PasswordOperation = "hash" | "verify";
/** Account work that runs after the answer. */
export type AfterAnswerTask = "resend-email-verification-otp" | "request-password-reset" | "change-email";

/** Receives the service's measurements; every method returns at once and never throws. */
export interface Observer {
  /** One answered HTTP request: its route's operation id (`unmatched` when no route matched) */
  request(operation: string, status: number, seconds: number): void;
  /** A security event was recorded in the audit trail */
  securityEvent(type: SecurityEventType): void;
  /** A notice to an account's owner was queued (alone or in a digest) once its event committed */
  activityMail(kind: ActivityMailKind): void;
  rateLimitDecision(tier: string, policy: string, outcome: RateLimitOutcome): void;
  /** The limiter started (true) or stopped (false) answering from memory because its store failed */
  rateLimitFallback(active: boolean): void;
  revocationCheck(source: RevocationSource): void;
  /** How long making a revocation visible to every instance took */
  revocationPublished(seconds: number): void;
  mailDelivery(outcome: MailDeliveryOutcome): void;
  /** The outbox as the mail worker last read it (every few seconds, not per scrape) */
  mailOutbox(backlog: MailOutboxBacklog): void;
  /** One webhook delivery attempt to an endpoint (its id: a handful per installation) */
  webhookDelivery(endpointId: string, outcome: MailDeliveryOutcome): void;
  /** The webhook deliveries as the webhook worker last read them */
  webhookBacklog(backlog: WebhookBacklog): void;
  /** One bcrypt computation, queue wait excluded */
  passwordHashed(operation: PasswordOperation, seconds: number): void;
  /** bcrypt computations running plus waiting */
  passwordQueueDepth(depth: number): void;
  /** A bcrypt computation refused because the queue was full (the request got 503) */
  passwordRejected(): void;
  /** Account tasks queued to run after their answer: running plus waiting */
  afterAnswerQueueDepth(depth: number): void;
  /** A request refused with 429 before it was accepted, because the after-answer queue was full */
  afterAnswerShed(task: AfterAnswerTask): void;
}

/** Reports nothing: metrics are off. */
export const NOOP_OBSERVER: Observer = Object.freeze({
  request() {},
  securityEvent() {},
  activityMail() {},
  rateLimitDecision() {},
  rateLimitFallback() {},
  revocationCheck() {},
  revocationPublished() {},
  mailDelivery() {},
  mailOutbox() {},
  webhookDelivery() {},
  webhookBacklog() {},
  passwordHashed() {},
  passwordQueueDepth() {},
  passwordRejected() {},
  afterAnswerQueueDepth() {},
  afterAnswerShed() {},
});
