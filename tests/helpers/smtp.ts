import { SMTPServer } from "npm:smtp-server@3.21.6";
import { simpleParser } from "npm:mailparser@3.14.2";
import { until } from "./until.ts";

/** A mail as the test SMTP peer received and parsed it. */
export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
}

export interface SmtpPeer {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Mail to one address, in arrival order */
  inbox(address: string): ReceivedMail[];
  /** Resolves once `address` has at least `count` mails; rejects after `timeoutMs` */
  waitForMail(address: string, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * Starts a real SMTP server on 127.0.0.1 (port 0 picks a free one) that accepts any
 * mail without TLS or authentication and parses what it receives with mailparser.
 */
export async function startSmtpPeer(options: { port?: number } = {}): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    async onData(stream, session, callback) {
      try {
        const parsed = await simpleParser(stream);
        messages.push({
          to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          subject: parsed.subject ?? "",
          text: parsed.text ?? "",
          html: typeof parsed.html === "string" ? parsed.html : "",
        });
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  // Without a listener, a client's TLS alert or reset would crash the test process
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  function inbox(to: string): ReceivedMail[] {
    return messages.filter((mail) => mail.to.includes(to.toLowerCase()));
  }

  return {
    port,
    messages,
    inbox,
    async waitForMail(to, count = 1, timeoutMs = 10_000) {
      // Real time: the mail crosses a real SMTP connection to this peer, whichever clock the
      // worker that sends it runs on (usually it is here already and this returns at once)
      await until(() => inbox(to).length >= count, { timeout: timeoutMs, interval: 20, what: `mail for ${to}` });
      return inbox(to);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code of a verification mail. */
export function otpOf(mail: Pick<ReceivedMail, "subject" | "text">): string {
  const match = /verification code is (\d{6})\b/.exec(mail.text);
  if (!match) throw new Error(`No code in mail "${mail.subject}"`);
  return match[1];
}

/** The token of a password reset mail, from its link. */
export function resetTokenOf(mail: Pick<ReceivedMail, "subject" | "text">): string {
  const match = /reset-password#token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error(`No reset link in mail "${mail.subject}"`);
  return match[1];
}
