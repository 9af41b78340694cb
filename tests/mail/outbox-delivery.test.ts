import { createSmtpMailer } from "../../src/mail/smtp-mailer.ts";
import { postJson } from "../helpers/http.ts";
import { claimDueMail } from "../../src/repositories/mail-outbox.ts";
import { backoffMs, createMailWorker } from "../../src/mail/outbox-worker.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { otpOf, startSmtpPeer } from "../helpers/smtp.ts";
import { accountsApp, accountsBackends } from "../accounts/_helpers.ts";
import { PASSWORD, uniqueEmail } from "../helpers/accounts.ts";

const { database, smtp } = await accountsBackends();

/** Runs a worker's poll 20 times and counts what it sent. */
async function drain(run: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < 20; i++) total += await run();
  return total;
}

/** A port nothing listens on: a peer started and stopped again. */
async function deadPort(): Promise<number> {
  const peer = await startSmtpPeer();
  await peer.close();
  return peer.port;
}

function outboxRows(email: string) {
  return database.db.selectFrom("mail_outbox").selectAll().where("to_address", "=", email).execute();
}

Deno.test("with SMTP down, signup still answers 201; the code arrives once SMTP is back, exactly once", async () => {
  const port = await deadPort();
  const app = await accountsApp(database, { port });
  let revived: Awaited<ReturnType<typeof startSmtpPeer>> | undefined;
  try {
    const email = uniqueEmail("outage");
    assertEquals((await postJson(app, "/auth/signup", { email, password: PASSWORD })).status, 201);
    assertEquals(await app.worker.runOnce(), 0);
    const [failed] = await outboxRows(email);
    assertEquals([failed.status, failed.attempts], ["pending", 1]);
    assert(failed.last_error && failed.text_body, "kept for the next attempt");
    assert(failed.next_attempt_at.getTime() > app.clock.now().getTime(), "retry is scheduled later");
    assert(!app.logger.lines.some((line) => JSON.stringify(line).includes(failed.text_body!.slice(0, 40))));

    revived = await startSmtpPeer({ port });
    assertEquals(await app.worker.runOnce(), 0, "not before the backoff ends");
    app.clock.advance(backoffMs(1, 1000, 3_600_000));
    assertEquals(await app.worker.runOnce(), 1);
    assertEquals(await app.worker.runOnce(), 0);
    const mails = await revived.waitForMail(email);
    assertEquals(mails.length, 1);
    assertEquals((await postJson(app, "/auth/verify-email", { email, otp: otpOf(mails[0]) })).status, 200);
    const [sent] = await outboxRows(email);
    assertEquals([sent.status, sent.attempts, sent.text_body, sent.html_body], ["sent", 2, null, null]);
  } finally {
    await app.close();
    await revived?.close();
  }
});

Deno.test("two workers on one outbox deliver each mail exactly once", async () => {
  const app = await accountsApp(database, smtp);
  const mailer = createSmtpMailer({ host: "127.0.0.1", port: smtp.port, from: "noreply@jessy-ai.com" });
  const other = createMailWorker({ db: database.db, mailer, clock: app.clock, logger: app.logger, batchSize: 3 });
  try {
    const emails = Array.from({ length: 12 }, () => uniqueEmail("pair"));
    for (const email of emails) await postJson(app, "/auth/signup", { email, password: PASSWORD });
    const [a, b] = await Promise.all([drain(() => app.worker.runOnce()), drain(() => other.runOnce())]);
    assertEquals(a + b, 12);
    for (const email of emails) assertEquals(smtp.inbox(email).length, 1, email);
  } finally {
    mailer.close();
    await app.close();
  }
});

Deno.test("a mail claimed by a worker that died comes back when its lease ends", async () => {
  const app = await accountsApp(database, smtp);
  try {
    await app.deliverMail();
    const email = uniqueEmail("lease");
    await postJson(app, "/auth/signup", { email, password: PASSWORD });
    const now = app.clock.now();
    const claimed = await claimDueMail(database.db, {
      now,
      leaseUntil: new Date(now.getTime() + 60_000),
      limit: 100,
    });
    assert(claimed.some((row) => row.to_address === email), "the crashed worker held it");
    assertEquals(await app.worker.runOnce(), 0, "leased rows are skipped");
    app.clock.advance(60_001);
    assertEquals(await app.worker.runOnce(), 1);
    assertEquals((await smtp.waitForMail(email)).length, 1);
  } finally {
    await app.close();
  }
});

Deno.test("after its last attempt a mail is marked failed and its bodies are cleared", async () => {
  const app = await accountsApp(database, { port: await deadPort() }, { maxAttempts: 2 });
  try {
    const email = uniqueEmail("giveup");
    await postJson(app, "/auth/signup", { email, password: PASSWORD });
    await app.worker.runOnce();
    app.clock.advance(3_600_000);
    await app.worker.runOnce();
    const [row] = await outboxRows(email);
    assertEquals([row.status, row.attempts, row.text_body, row.html_body], ["failed", 2, null, null]);
    assert(row.last_error, "the reason is kept");
    app.clock.advance(3_600_000);
    assertEquals(await app.worker.runOnce(), 0);
  } finally {
    await app.close();
  }
});

Deno.test("a started worker delivers at once, then every interval, and stops cleanly", async () => {
  const app = await accountsApp(database, smtp);
  const mailer = createSmtpMailer({ host: "127.0.0.1", port: smtp.port, from: "noreply@jessy-ai.com" });
  const { clock } = app;
  const intervalMs = 60_000;
  const worker = createMailWorker({ db: database.db, mailer, clock, logger: app.logger, intervalMs });
  /** Lets a poll that fell due run its claims and SMTP dialogue (real I/O) until `email` has mail. */
  const delivered = async (email: string, turns = 500) => {
    for (let turn = 0; turn < turns && smtp.inbox(email).length === 0; turn++) await clock.tick();
    return smtp.inbox(email).length;
  };
  try {
    const first = uniqueEmail("background");
    await postJson(app, "/auth/signup", { email: first, password: PASSWORD });
    worker.start();
    assertEquals(await delivered(first), 1, "the first poll comes at once");

    const second = uniqueEmail("background");
    await postJson(app, "/auth/signup", { email: second, password: PASSWORD });
    clock.advance(intervalMs - 1);
    assertEquals(await delivered(second, 100), 0, "not before the interval ends");
    clock.advance(1);
    assertEquals(await delivered(second), 1, "the next poll");
  } finally {
    await worker.stop();
    mailer.close();
    await app.close();
  }
  assertEquals(clock.pendingTimers, 0, "stopped: no poll is scheduled");
});

Deno.test("retries back off exponentially up to a cap", () => {
  assertEquals([1, 2, 3, 4].map((n) => backoffMs(n, 5000, 3_600_000)), [5000, 10_000, 20_000, 40_000]);
  assertEquals(backoffMs(30, 5000, 3_600_000), 3_600_000);
});
