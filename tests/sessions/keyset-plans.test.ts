import { CompiledQuery, type Kysely, sql } from "kysely";
import { recordingDb } from "../../bench/lib/scale/explain.ts";
import type { DB } from "../../src/db/schema.ts";
import { deleteExpiredBatch, EXPIRING_TABLES, type ExpiringTable } from "../../src/repositories/housekeeping.ts";
import { listSecurityEvents } from "../../src/repositories/security-events.ts";
import { listActiveSessions } from "../../src/repositories/sessions.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { TEST_DATABASE_URL } from "../helpers/env.ts";
import { insertedUser } from "../helpers/accounts.ts";

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The plan of what `work` sends, run for real (EXPLAIN ANALYZE) with sequential scans off. */
async function planOf(db: Kysely<DB>, work: (db: Kysely<DB>) => Promise<unknown>): Promise<PlanNode[]> {
  const recorder = recordingDb();
  await work(recorder.db);
  const [query] = recorder.take();
  return await db.transaction().execute(async (trx) => {
    // The test's tables are small: without this the planner may read them whole
    await sql`set local enable_seqscan = off`.execute(trx);
    const result = await trx.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(`explain (analyze, format json) ${query.sql}`, [...query.parameters]),
    );
    const raw = Object.values(result.rows[0])[0];
    const parsed = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
    return nodes(parsed[0].Plan);
  });
}

Deno.test(`a deep keyset page bounds its index scan by the cursor (${TEST_DATABASE_URL ? "Postgres" : "PGlite"})`, async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const user = await insertedUser(db, "deep");
    const start = Date.parse("2026-01-01T00:00:00Z");
    // Other users' events at the same times, as in any real table: the user's own index is the selective one
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => insertedUser(db, `other-${i}`)));
    for (const owner of [user, ...others]) {
      await db.insertInto("security_events").values(
        Array.from({ length: 400 }, (_, i) => ({
          user_id: owner.id,
          type: "signin_succeeded",
          created_at: new Date(start + i * 1000),
        })),
      ).execute();
    }
    await db.insertInto("sessions").values(
      Array.from({ length: 400 }, (_, i) => ({
        id: crypto.randomUUID(),
        user_id: user.id,
        created_at: new Date(start + i * 1000),
        last_used_at: new Date(start + i * 1000),
        expires_at: new Date("2099-01-01T00:00:00Z"),
      })),
    ).execute();
    // Only this schema's tables: a database-wide ANALYZE meets other test modules' schemas being dropped
    await sql`analyze users, sessions, security_events`.execute(db);
    const deepEvent = (await listSecurityEvents(db, user.id, { limit: 301 })).at(-1)!;
    const deepSession = (await listActiveSessions(db, user.id, new Date(start), { limit: 301 })).at(-1)!;

    const cases = [
      {
        indexes: ["security_events_user_created_idx"],
        plan: await planOf(db, (recorder) =>
          listSecurityEvents(recorder, user.id, {
            limit: 21,
            before: { createdAt: deepEvent.created_at, id: deepEvent.id },
          })),
      },
      {
        // Both indexes of sessions that lead with user_id are in the list's order (2026_11_29_0011)
        indexes: ["sessions_user_live_idx", "sessions_user_created_idx"],
        plan: await planOf(db, (recorder) =>
          listActiveSessions(recorder, user.id, new Date(start), {
            limit: 51,
            before: { createdAt: new Date(deepSession.created_at_iso), id: deepSession.id },
          })),
      },
    ];
    for (const { indexes, plan } of cases) {
      const scan = plan.find((node) => indexes.includes(node["Index Name"] as string));
      const index = indexes.join(" or ");
      assert(
        scan,
        `${index} is used: ${
          JSON.stringify(
            plan.map((node) => [node["Node Type"], node["Index Name"], node["Index Cond"], node["Filter"]]),
          )
        }`,
      );
      assert(String(scan["Index Cond"]).includes("ROW("), `the cursor is an index condition: ${scan["Index Cond"]}`);
      assertEquals(scan["Rows Removed by Filter"] ?? 0, 0, `${index}: no row before the cursor is read and dropped`);
    }
  } finally {
    await database.close();
  }
});

Deno.test(`the retention sweep of security events reads its own index, which no page can use (${TEST_DATABASE_URL ? "Postgres" : "PGlite"})`, async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const user = await insertedUser(db, "old");
    await db.insertInto("security_events").values(
      Array.from({ length: 300 }, (_, i) => ({
        user_id: user.id,
        type: "signin_succeeded",
        created_at: new Date(Date.parse("2024-01-01T00:00:00Z") + i * 86_400_000),
      })),
    ).execute();
    await sql`analyze security_events`.execute(db);
    const now = new Date("2026-01-01T00:00:00Z");
    const sweep = await planOf(db, (recorder) => deleteExpiredBatch(recorder, "security_events", now, 500));
    assert(
      sweep.some((node) => node["Index Name"] === "security_events_retention_idx"),
      JSON.stringify(sweep.map((node) => [node["Node Type"], node["Index Name"]])),
    );
    const page = await planOf(db, (recorder) => listSecurityEvents(recorder, user.id, { limit: 21 }));
    assertEquals(page.some((node) => node["Index Name"] === "security_events_retention_idx"), false);
  } finally {
    await database.close();
  }
});

Deno.test(`every housekeeping batch finds its done rows through an index of its order column and deletes them by ctid (${TEST_DATABASE_URL ? "Postgres" : "PGlite"})`, async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const now = new Date("2026-01-01T00:00:00Z");
    for (const table of Object.keys(EXPIRING_TABLES) as ExpiringTable[]) {
      const plan = await planOf(db, (recorder) => deleteExpiredBatch(recorder, table, now, 500));
      const types = plan.map((node) => [node["Node Type"], node["Index Name"]]);
      assert(plan.some((node) => node["Node Type"] === "Limit"), `${table}: ${JSON.stringify(types)}`);
      const limit = plan.findIndex((node) => node["Node Type"] === "Limit");
      const below = plan.slice(limit);
      assert(
        below.some((node) => typeof node["Index Name"] === "string" && node["Index Name"] !== `${table}_pkey`),
        `${table}: the batch reads an index of its order column: ${JSON.stringify(types)}`,
      );
      // and deletes the rows it locked where they lie, not through the primary key: random keys made each batch
      // read 500 random leaves of it
      assert(
        plan.some((node) => node["Node Type"] === "Tid Scan"),
        `${table}: deleted by ctid: ${JSON.stringify(types)}`,
      );
      assert(
        !types.some(([, index]) => index === `${table}_pkey`),
        `${table}: no primary key: ${JSON.stringify(types)}`,
      );
    }
  } finally {
    await database.close();
  }
});
