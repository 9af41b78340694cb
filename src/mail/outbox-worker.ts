import type { Kysely } from "kysely";
import type { Clock, TimerId } from "../clock.ts";
import type { DB, MailOutboxRow } from "../db/schema.ts";
import type { Logger } from "../logger.ts";
import { NOOP_OBSERVER, type Observer } from "../observer.ts";
import type { Mailer } from "./mailer.ts";
import {
  claimDueMail,
  markMailFailed,
  markMailSent,
  outboxBacklog,
  rescheduleMail,
} from "../repositories/mail-outbox.ts";

export interface MailWorkerOptions {
  db: Kysely<DB>;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  /** Pause between polls when the outbox is drained */
  intervalMs?: number;
  /** Mails claimed per poll */
  batchSize?: number;
  /** How long a claim lasts; a worker that dies mid-send gives its mails back after it */
  leaseMs?: number;
  /** Attempts before a mail is marked failed */
  maxAttempts?: number;
  /** First retry delay; each further attempt doubles it, up to maxBackoffMs */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** Counts deliveries by outcome and, when given, hears the outbox's backlog */
  observer?: Observer;
  /** How often the backlog is read for the observer (one grouped count of the table) */
  backlogIntervalMs?: number;
}

/** Delivers the transactional outbox in the background. */
export interface MailWorker {
  start(): void;
  /** Stops polling and waits for the delivery in progress */
  stop(): Promise<void>;
  /** Claims and delivers one batch; resolves to the number of mails sent */
  runOnce(): Promise<number>;
}

const MAX_ERROR_LENGTH = 300;

/** Delay before the attempt after `attempts` failed ones: base · 2^(attempts-1), capped. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Builds the outbox worker. Several instances may run against one database: claims skip
 * rows another worker holds, so each mail goes to one worker at a time. An SMTP outage
 * only delays mail (retries with exponential backoff); it never loses it.
 */
export function createMailWorker(options: MailWorkerOptions): MailWorker {
  const { db, mailer, clock, logger } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 10;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const baseMs = options.backoffBaseMs ?? 5_000;
  const maxMs = options.maxBackoffMs ?? 3_600_000;
  const observer = options.observer ?? NOOP_OBSERVER;
  const backlogIntervalMs = options.backlogIntervalMs ?? 10_000;
  let backlogReadMs: number | undefined;
  let timer: TimerId | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function deliver(mail: MailOutboxRow): Promise<boolean> {
    try {
      await mailer.send({
        to: mail.to_address,
        subject: mail.subject,
        text: mail.text_body ?? "",
        html: mail.html_body ?? "",
      });
    } catch (error) {
      const reason = describeFailure(error);
      const now = clock.now();
      if (mail.attempts >= maxAttempts) {
        await markMailFailed(db, mail.id, reason);
        observer.mailDelivery("failed");
        logger.error("mail delivery failed for good", { mail_id: mail.id, template: mail.template, reason });
      } else {
        const next = new Date(now.getTime() + backoffMs(mail.attempts, baseMs, maxMs));
        await rescheduleMail(db, mail.id, next, reason);
        observer.mailDelivery("retry");
        logger.warn("mail delivery failed, will retry", {
          mail_id: mail.id,
          template: mail.template,
          attempts: mail.attempts,
          next_attempt_at: next.toISOString(),
          reason,
        });
      }
      return false;
    }
    await markMailSent(db, mail.id, clock.now());
    observer.mailDelivery("sent");
    logger.info("mail sent", { mail_id: mail.id, template: mail.template, transport: mailer.kind });
    return true;
  }

  async function runOnce(): Promise<number> {
    const now = clock.now();
    const batch = await claimDueMail(db, { now, leaseUntil: new Date(now.getTime() + leaseMs), limit: batchSize });
    let sent = 0;
    for (const mail of batch) if (await deliver(mail)) sent++;
    return sent;
  }

  /** The outbox for the gauges, read here on the worker's schedule so a scrape runs no SQL. */
  async function reportBacklog(): Promise<void> {
    // Without metrics nobody looks at the backlog
    if (!options.observer) return;
    const now = clock.monotonicMs();
    if (backlogReadMs !== undefined && now - backlogReadMs < backlogIntervalMs) return;
    backlogReadMs = now;
    try {
      observer.mailOutbox(await outboxBacklog(db));
    } catch (error) {
      // The gauges keep their last reading; a database that fails fails the next poll too, and says so there
      logger.debug("mail outbox backlog read failed", { reason: describeFailure(error) });
    }
  }

  async function tick(): Promise<void> {
    let delay = intervalMs;
    try {
      const sent = await runOnce();
      // A full batch suggests more is due: poll again at once
      if (sent >= batchSize) delay = 0;
    } catch (error) {
      logger.warn("mail worker poll failed", { reason: describeFailure(error) });
    }
    await reportBacklog();
    if (!stopped) timer = clock.setTimeout(loop, delay);
  }

  function loop(): void {
    running = tick();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      timer = clock.setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      clock.clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}

/** A short reason for logs and the outbox row: error code and message, never the mail. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, MAX_ERROR_LENGTH);
  const code = (error as { code?: unknown }).code;
  return `${typeof code === "string" ? code + ": " : ""}${error.message}`.slice(0, MAX_ERROR_LENGTH);
}
