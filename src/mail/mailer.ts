/** One rendered mail, ready to deliver. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivers mail; the outbox worker is its only caller, so no HTTP response waits on it. */
export interface Mailer {
  /** "smtp" or "outbox" (the development list behind GET /dev/outbox) */
  readonly kind: "smtp" | "outbox";
  /**
   * `id` is the outbox row's: the Message-ID is `<id@sender's domain>`, the same on every attempt,
   * so a mail resent after a crash mid-send is recognised as the same mail
   */
  send(message: MailMessage, id?: string): Promise<void>;
  /** Checks the transport can be reached; resolves when it can */
  verify(): Promise<void>;
  close(): void;
}
