import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import { createMailWorker } from "./outbox-worker.ts";
import { createOutboxMailer, DevOutbox, withOutboxCopy } from "./dev-outbox.ts";
import type { Mailer } from "./mailer.ts";
import { mailerProbe } from "./mailer-probe.ts";
import { createSmtpMailer } from "./smtp-mailer.ts";
import type { HealthProbe } from "../health-probe.ts";
import type { Observer } from "../observer.ts";

/** The mail side of a running instance: transport, outbox worker, health probe. */
export interface MailRuntime {
  mailer: Mailer;
  probe: HealthProbe;
  /** Set in development: what GET /dev/outbox lists */
  devOutbox?: DevOutbox;
  close(): Promise<void>;
}

/**
 * SMTP when SMTP_SERVER is set, the in-memory development outbox otherwise (development
 * only: production refuses to start without SMTP). In development, mail sent by SMTP is
 * listed at /dev/outbox too. The worker starts at once and stops on close.
 */
export function startMail(
  config: Config,
  database: Database,
  clock: Clock,
  logger: Logger,
  options: { intervalMs?: number; observer?: Observer } = {},
): MailRuntime {
  const development = config.environment === "development";
  const devOutbox = development ? new DevOutbox() : undefined;
  const now = () => clock.now();
  const smtp = config.smtp && createSmtpMailer({ ...config.smtp, from: config.fromEmail });
  let mailer: Mailer;
  if (smtp) mailer = devOutbox ? withOutboxCopy(smtp, devOutbox, now) : smtp;
  else mailer = createOutboxMailer(devOutbox ?? new DevOutbox(), now);
  const worker = createMailWorker({
    db: database.db,
    mailer,
    clock,
    logger,
    intervalMs: options.intervalMs,
    observer: options.observer,
  });
  worker.start();
  return {
    mailer,
    probe: mailerProbe(mailer, { clock }),
    devOutbox,
    async close() {
      await worker.stop();
      mailer.close();
    },
  };
}
