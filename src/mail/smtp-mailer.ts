import nodemailer from "nodemailer";
import type { Mailer, MailMessage } from "./mailer.ts";

/** The part of nodemailer's transporter this module uses (the package ships no types). */
interface Transporter {
  sendMail(
    message: { from: string; to: string; subject: string; text: string; html: string; messageId?: string },
  ): Promise<unknown>;
  verify(): Promise<true>;
  close(): void;
}

export interface SmtpOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  from: string;
  /** Connection, greeting and socket timeouts; a hung server must not pin the worker */
  timeoutMs?: number;
}

/**
 * Delivers through an SMTP server with nodemailer: implicit TLS on port 465, otherwise
 * a plain connection upgraded with STARTTLS whenever the server offers it.
 */
export function createSmtpMailer(options: SmtpOptions): Mailer {
  const timeout = options.timeoutMs ?? 15_000;
  const transporter = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.port === 465,
    auth: options.username ? { user: options.username, pass: options.password ?? "" } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // nodemailer would otherwise log envelopes and, at debug level, message bodies
    logger: false,
    debug: false,
  }) as Transporter;
  return {
    kind: "smtp",
    async send(message: MailMessage, id?: string) {
      const messageId = id ? `<${id}@${senderDomain(options.from)}>` : undefined;
      await transporter.sendMail({ from: options.from, ...message, messageId });
    },
    async verify() {
      await transporter.verify();
    },
    close() {
      transporter.close();
    },
  };
}

/** The domain of a sender such as `noreply@example.com` or `Jessy <noreply@example.com>`. */
function senderDomain(from: string): string {
  return from.slice(from.lastIndexOf("@") + 1).replace(/>.*$/, "").trim() || "localhost";
}
