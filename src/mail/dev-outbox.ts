import type { Mailer, MailMessage } from "./mailer.ts";

/** A delivered mail as GET /dev/outbox shows it. */
export interface OutboxEntry extends MailMessage {
  id: string;
  created_at: string;
}

/**
 * The development outbox: the last `capacity` mails the worker delivered, kept in memory
 * so testers can read codes and reset links at GET /dev/outbox without an SMTP server.
 */
export class DevOutbox {
  #entries: OutboxEntry[] = [];

  constructor(readonly capacity = 100) {}

  record(message: MailMessage, at: Date): void {
    this.#entries.unshift({ id: crypto.randomUUID(), created_at: at.toISOString(), ...message });
    this.#entries.length = Math.min(this.#entries.length, this.capacity);
  }

  /** Newest first. */
  list(limit = this.capacity): OutboxEntry[] {
    return this.#entries.slice(0, limit);
  }
}

/** Delivers into the development outbox instead of a server. */
export function createOutboxMailer(outbox: DevOutbox, now: () => Date): Mailer {
  return {
    kind: "outbox",
    send(message) {
      outbox.record(message, now());
      return Promise.resolve();
    },
    verify: () => Promise.resolve(),
    close() {},
  };
}

/** In development with SMTP configured, mail goes out and is also listed at /dev/outbox. */
export function withOutboxCopy(mailer: Mailer, outbox: DevOutbox, now: () => Date): Mailer {
  return {
    ...mailer,
    async send(message, id) {
      await mailer.send(message, id);
      outbox.record(message, now());
    },
  };
}
