import type { PasswordHasher } from "../../src/services/accounts/credentials/passwords.ts";
import type { RevocationCache } from "../../src/services/revocation/cache.ts";
import { type Clock, ManualClock } from "../../src/clock.ts";
import type { Mailer } from "../../src/mail/mailer.ts";
import { createSmtpMailer } from "../../src/mail/smtp-mailer.ts";
import { createMailWorker, type MailWorker } from "../../src/mail/outbox-worker.ts";
import type { Mail, Mailbox } from "../helpers/accounts.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { type SmtpPeer, startSmtpPeer } from "../helpers/smtp.ts";

/** A private database and an SMTP peer for one test module, closed after its last test. */
export async function accountsBackends(): Promise<{ database: TestDatabase; smtp: SmtpPeer }> {
  const database = await createTestDatabase();
  const smtp = await startSmtpPeer();
  Deno.test.afterAll(async () => {
    await smtp.close();
    await database.close();
  });
  return { database, smtp };
}

/** Limits high enough that only tests about limits meet them. */
export const NO_RATE_LIMITS = {
  RATE_LIMIT_AUTH_PER_MINUTE: "10000",
  RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: "10000",
};

/** An app whose mail reaches a real SMTP peer; `mailTo` reads that peer's inbox. */
export interface AccountsApp extends TestApp, Mailbox {
  clock: ManualClock;
  mailer: Mailer;
  worker: MailWorker;
  /** Delivers every due mail through SMTP now */
  deliverMail(): Promise<number>;
}

/** An app on a shared database whose mail goes through the outbox to a real SMTP peer. */
export async function accountsApp(
  database: TestDatabase,
  smtp: Pick<SmtpPeer, "port"> & Partial<Pick<SmtpPeer, "inbox">>,
  options: {
    env?: Record<string, string>;
    passwords?: PasswordHasher;
    clock?: Clock;
    maxAttempts?: number;
    /** Rate limits on this Redis (real time) instead of memory (the test's clock) */
    rateLimitRedisUrl?: string;
    /** The revocation cache, shared with other instances (see tests/helpers/revocation-cache.ts) */
    revocationCache?: RevocationCache;
  } = {},
): Promise<AccountsApp> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const test = await createTestApp({
    database,
    clock,
    env: { ...NO_RATE_LIMITS, ...options.env },
    passwords: options.passwords,
    rateLimitRedisUrl: options.rateLimitRedisUrl,
    revocationCache: options.revocationCache,
  });
  const mailer = createSmtpMailer({ host: "127.0.0.1", port: smtp.port, from: "noreply@jessy-ai.com" });
  const worker = createMailWorker({
    db: database.db,
    mailer,
    clock,
    logger: test.logger,
    backoffBaseMs: 1000,
    maxAttempts: options.maxAttempts,
  });
  async function deliverMail(): Promise<number> {
    // Resend and reset requests do their work after answering
    await test.deps.accounts.settled();
    let total = 0;
    for (let sent = await worker.runOnce(); sent > 0; sent = await worker.runOnce()) total += sent;
    return total;
  }
  return {
    ...test,
    clock,
    mailer,
    worker,
    deliverMail,
    async mailTo(address): Promise<Mail[]> {
      if (!smtp.inbox) throw new Error("This app's mail goes to no peer the test reads");
      await deliverMail();
      return smtp.inbox(address);
    },
    async close() {
      await worker.stop();
      mailer.close();
      await test.close();
    },
  };
}

/** The response body with its request id removed, for byte-for-byte comparisons. */
export async function bodyWithoutRequestId(response: Response): Promise<string> {
  const text = await response.text();
  return text.replace(/"request_id":"[^"]*"/, '"request_id":""');
}
