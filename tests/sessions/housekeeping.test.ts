import { ManualClock } from "../../src/clock.ts";
import type { Kysely } from "kysely";
import type { DB } from "../../src/db/schema.ts";
import { startHousekeeping } from "../../src/services/housekeeping.ts";
import { insertedUser } from "../helpers/accounts.ts";
import { memoryLogger } from "../helpers/app.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";

const HOUR_MS = 3_600_000;

/** One row of every expiring kind for the user, expiring at `expiresAt`. */
async function seed(db: Kysely<DB>, userId: string, createdAt: Date, expiresAt: Date) {
  const session = await db.insertInto("sessions").values({
    user_id: userId,
    created_at: createdAt,
    last_used_at: createdAt,
    expires_at: expiresAt,
  }).returning("id").executeTakeFirstOrThrow();
  const unique = crypto.randomUUID();
  await db.insertInto("refresh_tokens").values({
    id: crypto.randomUUID(),
    session_id: session.id,
    user_id: userId,
    token_hash: `hash-${unique}`,
    created_at: createdAt,
    expires_at: expiresAt,
    consumed_at: createdAt,
  }).execute();
  await db.insertInto("revoked_access_tokens").values({
    jti: unique,
    user_id: userId,
    expires_at: expiresAt,
    created_at: createdAt,
  }).execute();
  const signup = await db.insertInto("pending_signups").values({
    user_id: userId,
    password_hash: "hash",
    created_at: createdAt,
  }).returning("id").executeTakeFirstOrThrow();
  await db.insertInto("email_otps").values({
    user_id: userId,
    signup_id: signup.id,
    code_hmac: `hmac-${unique}`,
    expires_at: expiresAt,
    created_at: createdAt,
  }).execute();
  await db.insertInto("password_reset_tokens").values({
    user_id: userId,
    token_hash: `reset-${unique}`,
    expires_at: expiresAt,
    created_at: createdAt,
  }).execute();
}

async function counts(db: Kysely<DB>, userId: string) {
  const tables = [
    "sessions",
    "refresh_tokens",
    "revoked_access_tokens",
    "email_otps",
    "password_reset_tokens",
  ] as const;
  const result: Record<string, number> = {};
  for (const table of tables) {
    const rows = await db.selectFrom(table).select("user_id").where("user_id", "=", userId).execute();
    result[table] = rows.length;
  }
  return result;
}

Deno.test("housekeeping", async (t) => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    await t.step("a run deletes expired rows of every kind in bounded batches and keeps live ones", async () => {
      const clock = new ManualClock(new Date("2026-11-28T12:00:00Z"));
      const user = await insertedUser(db, "purge");
      const start = clock.now();
      for (let i = 0; i < 5; i++) await seed(db, user.id, start, new Date(start.getTime() + HOUR_MS));
      await seed(db, user.id, start, new Date(start.getTime() + 48 * HOUR_MS));
      const housekeeping = startHousekeeping({
        db,
        clock,
        logger: memoryLogger(),
        intervalMs: 3_600_000,
        batchSize: 2,
        maxBatchesPerRun: 2,
      });
      try {
        const untouched = await housekeeping.runOnce();
        assertEquals(Object.values(untouched).every((count) => count === 0), true, "nothing has expired yet");

        clock.advance(2 * HOUR_MS);
        const first = await housekeeping.runOnce();
        // Two batches of two per table: one expired row of each kind is left for the next run
        assertEquals(first.revoked_access_tokens, 4);
        assertEquals(first.email_otps, 4);
        assertEquals(first.password_reset_tokens, 4);
        const second = await housekeeping.runOnce();
        assertEquals(second.revoked_access_tokens, 1);
        assertEquals(await counts(db, user.id), {
          sessions: 1,
          refresh_tokens: 1,
          revoked_access_tokens: 1,
          email_otps: 1,
          password_reset_tokens: 1,
        });
      } finally {
        await housekeeping.stop();
      }
    });

    await t.step(
      "security events past their retention and settled mail past 30 days are deleted; the rest stays",
      async () => {
        const clock = new ManualClock(new Date("2027-06-01T12:00:00Z"));
        const user = await insertedUser(db, "retention");
        const daysAgo = (days: number) => new Date(clock.now().getTime() - days * 24 * HOUR_MS);
        for (const days of [11, 10.5, 9]) {
          await db.insertInto("security_events").values({ user_id: user.id, type: "logout", created_at: daysAgo(days) })
            .execute();
        }
        const mail = (status: "pending" | "sent" | "failed", days: number) => ({
          to_address: `${status}-${days}@example.com`,
          subject: "s",
          template: "t",
          status,
          created_at: daysAgo(days),
          next_attempt_at: daysAgo(days),
        });
        await db.insertInto("mail_outbox").values([
          mail("sent", 31),
          mail("failed", 31),
          mail("pending", 31),
          mail("sent", 29),
          mail("failed", 29),
        ]).execute();
        const housekeeping = startHousekeeping({
          db,
          clock,
          logger: memoryLogger(),
          intervalMs: 3_600_000,
          retention: { securityEventDays: 10 },
        });
        try {
          const report = await housekeeping.runOnce();
          assertEquals([report.security_events, report.mail_outbox], [2, 2]);
          const events = await db.selectFrom("security_events").select("created_at").where("user_id", "=", user.id)
            .execute();
          assertEquals(events.map((event) => event.created_at.getTime()), [daysAgo(9).getTime()]);
          const left = await db.selectFrom("mail_outbox").select("to_address").orderBy("to_address").execute();
          assertEquals(left.map((row) => row.to_address), [
            "failed-29@example.com",
            "pending-31@example.com",
            "sent-29@example.com",
          ]);
        } finally {
          await housekeeping.stop();
        }
      },
    );

    await t.step(
      "sealed successor pairs older than the longest reuse grace (60 s) are deleted; newer ones stay",
      async () => {
        const clock = new ManualClock(new Date("2026-11-28T12:00:00Z"));
        const ago = (seconds: number) => new Date(clock.now().getTime() - seconds * 1000);
        const sessionId = crypto.randomUUID();
        const kept = [{ age: 61, id: crypto.randomUUID() }, { age: 59, id: crypto.randomUUID() }];
        await db.insertInto("refresh_successors").values(
          kept.map(({ age, id }) => ({ token_id: id, session_id: sessionId, sealed: "v1.x", consumed_at: ago(age) })),
        ).execute();
        const housekeeping = startHousekeeping({ db, clock, logger: memoryLogger(), intervalMs: 3_600_000 });
        try {
          assertEquals((await housekeeping.runOnce()).refresh_successors, 1);
          const left = await db.selectFrom("refresh_successors").select("token_id").where("session_id", "=", sessionId)
            .execute();
          assertEquals(left.map((row) => row.token_id), [kept[1].id]);
        } finally {
          await housekeeping.stop();
        }
      },
    );

    await t.step("the job runs by itself every interval and stops cleanly", async () => {
      const clock = new ManualClock(new Date("2026-11-28T12:00:00Z"));
      const user = await insertedUser(db, "timer");
      await seed(db, user.id, clock.now(), new Date(clock.now().getTime() + HOUR_MS));
      clock.advance(2 * HOUR_MS);
      const logger = memoryLogger();
      const housekeeping = startHousekeeping({ db, clock, logger, intervalMs: HOUR_MS });
      /** Moves to the end of the next interval and gives the run's deletes (real I/O) turns to finish. */
      const nextRun = async () => {
        clock.advance(HOUR_MS - 1);
        await clock.tick();
        assertEquals((await counts(db, user.id)).sessions, 1, "no run before the interval ends");
        await clock.tick(1);
        for (let turns = 0; turns < 500 && (await counts(db, user.id)).sessions > 0; turns++) await clock.tick();
      };
      try {
        await nextRun();
        assertEquals((await counts(db, user.id)).sessions, 0, "the first run");
        await seed(db, user.id, clock.now(), clock.now());
        await nextRun();
        assertEquals(await counts(db, user.id), {
          sessions: 0,
          refresh_tokens: 0,
          revoked_access_tokens: 0,
          email_otps: 0,
          password_reset_tokens: 0,
        });
      } finally {
        await housekeeping.stop();
      }
      assertEquals(clock.pendingTimers, 0, "stopped: no run is scheduled");
      assert(logger.lines.some((line) => line.message === "housekeeping"), "a run that deleted rows is logged");
    });
  } finally {
    await database.close();
  }
});
