/**
 * The outbox gauges show what the mail worker last read of the outbox: a scrape runs no SQL
 * (Prometheus may scrape every second, every instance), and the table is counted on the
 * worker's schedule instead.
 */
import { ManualClock } from "../../src/clock.ts";
import { createOutboxMailer, DevOutbox } from "../../src/mail/dev-outbox.ts";
import { createMailWorker } from "../../src/mail/outbox-worker.ts";
import { createMetrics } from "../../src/metrics/prometheus.ts";
import { type MailOutboxBacklog, NOOP_OBSERVER } from "../../src/observer.ts";
import { insertOutboxMail, outboxBacklog } from "../../src/repositories/mail-outbox.ts";
import { memoryLogger } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

/** The value of one sample of the exposition, or undefined when it has none. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("metrics: the outbox gauges show the worker's last report; the oldest pending mail ages between reports", async () => {
  const clock = new ManualClock(new Date("2026-11-28T09:00:00Z"));
  // The pool's counters are all a scrape reads: no database handle reaches the metrics
  const metrics = createMetrics({ database: { stats: () => undefined }, clock });
  assertEquals(sample(await metrics.render(), 'mail_outbox_rows{status="pending"}'), undefined, "nothing reported yet");
  assertEquals(sample(await metrics.render(), "mail_outbox_oldest_pending_age_seconds"), 0);

  metrics.observer.mailOutbox({
    counts: { pending: 2, sent: 5, failed: 1 },
    oldestPendingAt: new Date(clock.now().getTime() - 30_000),
  });
  const reported = await metrics.render();
  assertEquals(
    ["pending", "sent", "failed"].map((status) => sample(reported, `mail_outbox_rows{status="${status}"}`)),
    [2, 5, 1],
  );
  assertEquals(sample(reported, "mail_outbox_oldest_pending_age_seconds"), 30);
  clock.advance(15_000);
  assertEquals(sample(await metrics.render(), "mail_outbox_oldest_pending_age_seconds"), 45);

  metrics.observer.mailOutbox({ counts: { pending: 0, sent: 7, failed: 1 }, oldestPendingAt: null });
  const drained = await metrics.render();
  assertEquals(sample(drained, 'mail_outbox_rows{status="pending"}'), 0);
  assertEquals(sample(drained, "mail_outbox_oldest_pending_age_seconds"), 0);
});

Deno.test("mail worker: reads the outbox for the observer at once, then every backlogIntervalMs, not every poll", async () => {
  const database = await createTestDatabase();
  const clock = new ManualClock();
  const reports: { atMs: number; backlog: MailOutboxBacklog }[] = [];
  const sentAtMs: number[] = [];
  const worker = createMailWorker({
    db: database.db,
    mailer: createOutboxMailer(new DevOutbox(), () => clock.now()),
    clock,
    logger: memoryLogger(),
    intervalMs: 1_000,
    backlogIntervalMs: 10_000,
    observer: {
      ...NOOP_OBSERVER,
      mailOutbox: (backlog) => reports.push({ atMs: clock.monotonicMs(), backlog }),
      mailDelivery: () => sentAtMs.push(clock.monotonicMs()),
    },
  });
  /** Moves time a second at a time, letting each poll's statements (real I/O) run, until `count` reports arrived. */
  const reported = async (count: number) => {
    for (let turn = 0; turn < 3_000 && reports.length < count; turn++) await clock.tick(turn % 10 === 0 ? 1_000 : 0);
    return reports.length;
  };
  try {
    const mail = { to: "ada@example.com", subject: "Hello", text: "Hi", html: "<p>Hi</p>", template: "test" };
    await insertOutboxMail(database.db, { ...mail, now: clock.now() });
    worker.start();
    assertEquals(await reported(1), 1, "the first poll reports");
    assertEquals(reports[0].backlog.counts, { pending: 0, sent: 1, failed: 0 }, "read after the poll delivered");

    await insertOutboxMail(database.db, { ...mail, now: clock.now() });
    assertEquals(await reported(2), 2);
    assertEquals(sentAtMs.length, 2);
    assert(sentAtMs[1] < reports[1].atMs, "a later poll delivered the second mail without reading the backlog");
    assert(reports[1].atMs - reports[0].atMs >= 10_000, `read again after ${reports[1].atMs - reports[0].atMs} ms`);
    assertEquals(reports[1].backlog, await outboxBacklog(database.db));
    assertEquals(reports[1].backlog.counts, { pending: 0, sent: 2, failed: 0 });
  } finally {
    await worker.stop();
    await database.close();
  }
});
