import type { Kysely } from "kysely";
import type { Clock } from "../clock.ts";
import type { DB, MailOutboxRow } from "../db/schema.ts";
import {
  createDeliveryWorker,
  type DeliveryQueue,
  type DeliveryTuning,
  type DeliveryWorker,
} from "../delivery/durable-worker.ts";
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

export { backoffMs } from "../delivery/durable-worker.ts";

export interface MailWorkerOptions extends DeliveryTuning {
  db: Kysely<DB>;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  /** Counts deliveries by outcome and, when given, hears the outbox's backlog */
  observer?: Observer;
}

/** Delivers the transactional outbox in the background. */
export type MailWorker = DeliveryWorker;

/**
 * Builds the outbox worker on the durable-delivery core (src/delivery/): each mail goes to one
 * worker at a time, one after the other. An SMTP outage only delays mail; it never loses it.
 */
export function createMailWorker(options: MailWorkerOptions): MailWorker {
  const { db, mailer, logger } = options;
  const observer = options.observer ?? NOOP_OBSERVER;
  return createDeliveryWorker<MailOutboxRow>({
    ...options,
    name: "mail worker",
    queue: mailOutboxQueue(db),
    async deliver(mail) {
      const message = { to: mail.to_address, subject: mail.subject, text: mail.text_body ?? "" };
      await mailer.send({ ...message, html: mail.html_body ?? "" }, mail.id);
    },
    onOutcome(mail, outcome, { reason, nextAttemptAt }) {
      observer.mailDelivery(outcome);
      const fields = { mail_id: mail.id, template: mail.template };
      if (outcome === "sent") logger.info("mail sent", { ...fields, transport: mailer.kind });
      else if (outcome === "failed") logger.error("mail delivery failed for good", { ...fields, reason });
      else {
        logger.warn("mail delivery failed, will retry", {
          ...fields,
          attempts: mail.attempts,
          next_attempt_at: nextAttemptAt?.toISOString(),
          reason,
        });
      }
    },
    // Without metrics nobody looks at the backlog
    reportBacklog: options.observer ? async () => observer.mailOutbox(await outboxBacklog(db)) : undefined,
  });
}

/** The outbox as the durable-delivery worker sees it. */
function mailOutboxQueue(db: Kysely<DB>): DeliveryQueue<MailOutboxRow> {
  return {
    claim: (options) => claimDueMail(db, options),
    delivered: (mail, now) => markMailSent(db, mail.id, now),
    reschedule: (mail, next, reason) => rescheduleMail(db, mail.id, next, reason),
    fail: (mail, reason) => markMailFailed(db, mail.id, reason),
  };
}
