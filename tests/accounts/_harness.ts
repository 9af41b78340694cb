import type { PasswordHasher } from "../../src/services/accounts/credentials/passwords.ts";
import type { RevocationCache } from "../../src/services/revocation/cache.ts";
import { type Clock, ManualClock } from "../../src/clock.ts";
import type { Mailer } from "../../src/mail/mailer.ts";
import { createSmtpMailer } from "../../src/mail/smtp-mailer.ts";
import { createMailWorker, type MailWorker } from "../../src/mail/outbox-worker.ts";
import { createTestApp, postJson, type TestApp } from "../helpers/app.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { type SmtpPeer, startSmtpPeer } from "../helpers/smtp.ts";

/** The password every account test signs up with. */
export const PASSWORD = "correct horse battery";

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

export interface AccountsApp extends TestApp {
  clock: ManualClock;
  mailer: Mailer;
  worker: MailWorker;
  /** Delivers every due mail through SMTP now */
  deliverMail(): Promise<number>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** An app on a shared database whose mail goes through the outbox to a real SMTP peer. */
export async function accountsApp(
  database: TestDatabase,
  smtp: Pick<SmtpPeer, "port">,
  options: {
    env?: Record<string, string>;
    passwords?: PasswordHasher;
    clock?: Clock;
    maxAttempts?: number;
    /** Rate limits on this Redis (real time) instead of memory (the test's clock) */
    rateLimitRedisUrl?: string;
    /** The revocation cache, shared with other instances (see tests/sessions/cache.ts) */
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
  return {
    ...test,
    clock,
    mailer,
    worker,
    async deliverMail() {
      // Resend and reset requests do their work after answering
      await test.deps.accounts.settled();
      let total = 0;
      for (let sent = await worker.runOnce(); sent > 0; sent = await worker.runOnce()) total += sent;
      return total;
    },
    post: (path, body, headers) => test.request(path, postJson(body, headers)),
    async close() {
      await worker.stop();
      mailer.close();
      await test.close();
    },
  };
}

let counter = 0;

/** A unique address per test, so tests can share one database. */
export function uniqueEmail(label = "user"): string {
  return `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}@example.com`;
}

/** The response body with its request id removed, for byte-for-byte comparisons. */
export async function bodyWithoutRequestId(response: Response): Promise<string> {
  const text = await response.text();
  return text.replace(/"request_id":"[^"]*"/, '"request_id":""');
}
