/**
 * The service's Prometheus series, kept by prom-client in a registry of their own per
 * instance (never the library's global one, so apps built side by side in one process do not
 * share counts). Implements the {@link Observer} port the layers below report through; the
 * pool gauges read the pool's counters when Prometheus scrapes, and the outbox gauges show what
 * the mail worker last reported: a scrape runs no SQL.
 *
 * Every label comes from a closed set: route operation ids (or `unmatched`), answered status
 * codes, tiers and policies of the limiter, security event types, the outcomes of observer.ts.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Clock } from "../clock.ts";
import type { DeliveryBacklog, Observer } from "../observer.ts";
import { SECURITY_EVENT_TYPES } from "../security-event-types.ts";
import { ACTIVITY_MAIL_KINDS } from "../activity-mail-kinds.ts";

/** Buckets of request latency, in seconds: a token check takes a millisecond, a sign-in a bcrypt. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HASH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const PUBLISH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** What the scrape-time gauges read: the pool's counters in memory (none on PGlite), and the time. */
export interface MetricSources {
  database: { stats(): { inUse: number; waiting: number; acquireTimedOut: number } | undefined };
  clock: Clock;
}

/** One instance's metrics: the observer to report through, and the exposition to serve. */
export interface Metrics {
  readonly observer: Observer;
  /** The Prometheus text exposition of every series */
  render(): Promise<string>;
  /** Content-Type of {@link render}'s output */
  readonly contentType: string;
}

export interface MetricsOptions extends MetricSources {
  /** Process metrics (CPU, memory, heap, event-loop lag): prom-client's default metrics */
  processMetrics?: boolean;
}

/**
 * Series prom-client reads from /proc/self (status, fd, limits): with `deno task start`'s
 * `--allow-read=.` it cannot, and would report 0. Dropped rather than widened permissions;
 * the resident memory comes from Deno itself instead.
 */
const PROC_READING_METRICS = [
  "process_resident_memory_bytes",
  "process_virtual_memory_bytes",
  "process_heap_bytes",
  "process_open_fds",
  "process_max_fds",
];

/** prom-client's default metrics that work under Deno's permissions (CPU, heap, event-loop lag…). */
function processMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of PROC_READING_METRICS) registry.removeSingleMetric(name);
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
}

/** Builds a registry with every series of the service. */
export function createMetrics(options: MetricsOptions): Metrics {
  const registers = [new Registry()];
  /** Rows per status and the oldest pending row's age of one durable-delivery table, as its worker reads them. */
  function backlogGauges(prefix: string, what: string, rows: string) {
    const byStatus = new Gauge({
      name: `${prefix}_rows`,
      help: `${rows} by status (pending, sent, failed); sent and failed rows are kept 30 days`,
      labelNames: ["status"] as const,
      registers,
    });
    let oldestPendingAt: Date | null = null;
    new Gauge({
      name: `${prefix}_oldest_pending_age_seconds`,
      help: `Age of the oldest ${what} still waiting for delivery; 0 when none waits`,
      registers,
      collect() {
        const oldest = oldestPendingAt;
        this.set(oldest ? Math.max(0, (sources.clock.now().getTime() - oldest.getTime()) / 1000) : 0);
      },
    });
    return {
      report(backlog: DeliveryBacklog) {
        for (const [status, count] of Object.entries(backlog.counts)) byStatus.set({ status }, count);
        oldestPendingAt = backlog.oldestPendingAt;
      },
    };
  }
  const [registry] = registers;
  const sources: MetricSources = { database: options.database, clock: options.clock };

  const requests = new Counter({
    name: "http_requests_total",
    help: "Answered HTTP requests by route operation id (unmatched: no route) and status",
    labelNames: ["operation", "status"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from the request reaching the app to its answer, by route operation id",
    labelNames: ["operation"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const authEvents = new Counter({
    name: "auth_events_total",
    help: "Security events recorded in the audit trail, by type",
    labelNames: ["type"] as const,
    registers,
  });
  for (const type of SECURITY_EVENT_TYPES) authEvents.inc({ type }, 0);
  const activityMails = new Counter({
    name: "activity_mails_total",
    help: "Notices queued to an account's owner by activity mail kind (several may share one digest mail)",
    labelNames: ["kind"] as const,
    registers,
  });
  for (const kind of ACTIVITY_MAIL_KINDS) activityMails.inc({ kind }, 0);
  const decisions = new Counter({
    name: "rate_limit_decisions_total",
    help: "Rate-limit checks by tier, policy and outcome (allowed, limited, uncounted)",
    labelNames: ["tier", "policy", "outcome"] as const,
    registers,
  });
  const fallback = new Gauge({
    name: "rate_limit_store_fallback",
    help: "1 while the limiter counts in memory because its Redis or Upstash store fails, else 0",
    registers,
  });
  fallback.set(0);
  const fallbackTransitions = new Counter({
    name: "rate_limit_store_fallback_transitions_total",
    help: "Times the limiter fell back from its remote store to memory",
    registers,
  });
  const revocationChecks = new Counter({
    name: "revocation_checks_total",
    help: "Token revocation checks by where the answer came from (cache, database)",
    labelNames: ["source"] as const,
    registers,
  });
  for (const source of ["cache", "database"]) revocationChecks.inc({ source }, 0);
  const publishDuration = new Histogram({
    name: "revocation_publish_duration_seconds",
    help: "Time to make a committed revocation visible to every instance (the cache write)",
    buckets: PUBLISH_BUCKETS,
    registers,
  });
  const deliveries = new Counter({
    name: "mail_deliveries_total",
    help: "Outbox delivery attempts by outcome (sent, retry: failed and rescheduled, failed: given up)",
    labelNames: ["outcome"] as const,
    registers,
  });
  for (const outcome of ["sent", "retry", "failed"]) deliveries.inc({ outcome }, 0);
  const hashQueue = new Gauge({
    name: "password_hash_queue_depth",
    help: "bcrypt computations running plus waiting",
    registers,
  });
  hashQueue.set(0);
  const hashRejected = new Counter({
    name: "password_hash_rejected_total",
    help: "bcrypt computations refused because the queue was full (answered 503)",
    registers,
  });
  const afterAnswerQueue = new Gauge({
    name: "after_answer_queue_depth",
    help: "Account tasks (resend, password reset request, email change) running plus waiting after their answer",
    registers,
  });
  afterAnswerQueue.set(0);
  const afterAnswerShed = new Counter({
    name: "after_answer_shed_total",
    help: "Account requests refused with 429 before they were accepted, because the after-answer queue was full",
    labelNames: ["task"] as const,
    registers,
  });
  for (const task of ["resend-email-verification-otp", "request-password-reset", "change-email"]) {
    afterAnswerShed.inc({ task }, 0);
  }
  const hashDuration = new Histogram({
    name: "password_hash_duration_seconds",
    help: "Time of one bcrypt computation, queue wait excluded, by operation (hash, verify)",
    labelNames: ["operation"] as const,
    buckets: HASH_BUCKETS,
    registers,
  });

  const outboxGauges = backlogGauges("mail_outbox", "mail", "Rows of the mail outbox");
  const webhookGauges = backlogGauges("webhook_deliveries", "webhook delivery", "Webhook deliveries");
  const webhookDeliveries = new Counter({
    name: "webhook_deliveries_total",
    help: "Webhook delivery attempts by endpoint id and outcome (sent, retry, failed: given up)",
    labelNames: ["endpoint", "outcome"] as const,
    registers,
  });
  new Gauge({
    name: "db_pool_connections_in_use",
    help: "PostgreSQL connections leased to a statement or transaction (0 on embedded PGlite)",
    registers,
    collect() {
      this.set(sources.database.stats()?.inUse ?? 0);
    },
  });
  new Gauge({
    name: "db_pool_waiting",
    help: "Statements waiting for a free PostgreSQL connection",
    registers,
    collect() {
      this.set(sources.database.stats()?.waiting ?? 0);
    },
  });
  new Counter({
    name: "db_pool_acquire_timeouts_total",
    help: "Waits for a free PostgreSQL connection that ran out of time (answered 503)",
    registers,
    collect() {
      const total = sources.database.stats()?.acquireTimedOut ?? 0;
      this.reset();
      this.inc(total);
    },
  });
  if (options.processMetrics) processMetrics(registry);

  // The hot path: label-bound children looked up by one string key instead of prom-client hashing
  // a label object on every request (the label sets are closed, so the maps stay small)
  const requestChildren = new Map<string, { inc(): void }>();
  const durationChildren = new Map<string, { observe(seconds: number): void }>();
  const decisionChildren = new Map<string, { inc(): void }>();
  const revocationChildren = { cache: revocationChecks.labels("cache"), database: revocationChecks.labels("database") };

  const observer: Observer = {
    request(operation, status, seconds) {
      const key = `${operation} ${status}`;
      let counter = requestChildren.get(key);
      if (!counter) requestChildren.set(key, counter = requests.labels(operation, String(status)));
      counter.inc();
      let histogram = durationChildren.get(operation);
      if (!histogram) durationChildren.set(operation, histogram = duration.labels(operation));
      histogram.observe(seconds);
    },
    securityEvent(type) {
      authEvents.inc({ type });
    },
    activityMail(kind) {
      activityMails.inc({ kind });
    },
    rateLimitDecision(tier, policy, outcome) {
      const key = `${tier} ${policy} ${outcome}`;
      let counter = decisionChildren.get(key);
      if (!counter) decisionChildren.set(key, counter = decisions.labels(tier, policy, outcome));
      counter.inc();
    },
    rateLimitFallback(active) {
      fallback.set(active ? 1 : 0);
      if (active) fallbackTransitions.inc();
    },
    revocationCheck(source) {
      revocationChildren[source].inc();
    },
    revocationPublished(seconds) {
      publishDuration.observe(seconds);
    },
    mailDelivery(outcome) {
      deliveries.inc({ outcome });
    },
    mailOutbox(backlog) {
      outboxGauges.report(backlog);
    },
    webhookDelivery(endpoint, outcome) {
      webhookDeliveries.inc({ endpoint, outcome });
    },
    webhookBacklog(backlog) {
      webhookGauges.report(backlog);
    },
    passwordHashed(operation, seconds) {
      hashDuration.observe({ operation }, seconds);
    },
    passwordQueueDepth(depth) {
      hashQueue.set(depth);
    },
    passwordRejected() {
      hashRejected.inc();
    },
    afterAnswerQueueDepth(depth) {
      afterAnswerQueue.set(depth);
    },
    afterAnswerShed(task) {
      afterAnswerShed.inc({ task });
    },
  };

  return {
    observer,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
