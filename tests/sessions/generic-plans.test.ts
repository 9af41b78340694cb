import type { Kysely } from "kysely";
import type { DB } from "../../src/db/schema.ts";
import postgres from "postgres";
import { recordingDb } from "../../bench/lib/scale/explain.ts";
import { growTo, type SeedShape } from "../../bench/lib/scale/seed.ts";
import { listSecurityEvents } from "../../src/repositories/security-events.ts";
import { listActiveSessions } from "../../src/repositories/sessions.ts";
import { assert } from "../helpers/assert.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { TEST_DATABASE_URL } from "../helpers/env.ts";

/**
 * Many users with a session or two and one with 10,000, as in the scale benchmark. On such a
 * table the generic plan of the sessions list read every session of the heavy user and sorted
 * them: the first page through the plain user_id index (at 10,000 users, before migration 0011),
 * a deep page through a bitmap scan of all rows before the cursor (at 2,000, before the page
 * bounded created_at as well as the row), and the first page again through a bitmap scan once
 * the rows lay in the table as a live one's do, in no order of user (at 10,000, before a first
 * page started from ABOVE_EVERY_ROW).
 */
const SKEWED: SeedShape = {
  sessionsPerUser: 2,
  refreshTokensPerUser: 1,
  eventsPerUser: 2,
  mailPerUser: 0,
  usersPerHeavy: 100_000,
  heavySessions: 10_000,
  heavyEvents: 10_000,
};
const SESSIONS_PAGE = 51;
const EVENTS_PAGE = 21;

interface Cursor {
  createdAt: Date;
  id: string;
}

interface HeavyUser {
  userId: string;
  sessionCursor: Cursor;
  eventCursor: Cursor;
}

/** The seeded database, and the heavy user with cursors halfway down its lists. */
async function skewedDatabase(users: number): Promise<{ database: TestDatabase; heavy: HeavyUser }> {
  const database = await createTestDatabase();
  const seeder = postgres(database.url!, { max: 1, onnotice: () => {} });
  try {
    await growTo(seeder, 0, users, "$2b$04$notarealhashnotarealhashnotarealhashnotarealhashnotar", SKEWED);
    // Only this schema's tables: a database-wide ANALYZE meets other test modules' schemas being
    // dropped, and deadlocked with one
    await seeder.unsafe("analyze users, sessions, refresh_tokens, security_events");
    const [heavy] = await seeder`select user_id from sessions group by user_id order by count(*) desc limit 1`;
    const [session] = await seeder`
      select created_at, id from sessions where user_id = ${heavy.user_id} and revoked_at is null
      order by created_at desc, id desc offset ${SKEWED.heavySessions / 2} limit 1`;
    const [event] = await seeder`
      select created_at, id from security_events where user_id = ${heavy.user_id}
      order by created_at desc, id desc offset ${SKEWED.heavyEvents / 2} limit 1`;
    return {
      database,
      heavy: {
        userId: heavy.user_id,
        sessionCursor: { createdAt: session.created_at, id: session.id },
        eventCursor: { createdAt: event.created_at, id: event.id },
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  } finally {
    await seeder.end();
  }
}

/** As a literal in SQL: what the test passes is dates, ids and numbers. */
function literal(value: unknown): string {
  return typeof value === "number" ? String(value) : `'${value instanceof Date ? value.toISOString() : value}'`;
}

type PlanNode = {
  "Actual Rows"?: number;
  "Rows Removed by Filter"?: number;
  "Node Type": string;
  Plans?: PlanNode[];
};

/**
 * The most rows any index scan of the statement `page` sends reads, prepared and run under one
 * plan cache mode: `force_generic_plan` is the plan PostgreSQL keeps after five runs.
 */
async function indexRowsRead(url: string, mode: string, page: (db: Kysely<DB>) => Promise<unknown>): Promise<number> {
  const recorder = recordingDb();
  await page(recorder.db);
  const [query] = recorder.take();
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await client.begin(async (trx) => {
      await trx.unsafe(`set local plan_cache_mode = ${mode}`);
      await trx.unsafe(`prepare page as ${query.sql}`);
      const rows = await trx.unsafe(
        `explain (analyze, format json) execute page(${query.parameters.map(literal).join(", ")})`,
      );
      const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];
      const plan = flatten((rows[0]["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0].Plan);
      // What a scan read: the rows it passed on and those its filter dropped
      const read = (node: PlanNode) => (node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0);
      return Math.max(...plan.filter((node) => node["Node Type"].includes("Index")).map(read));
    });
  } finally {
    await client.end();
  }
}

Deno.test({
  name:
    "every page of a user's sessions and events reads one page of its index, under the plan PostgreSQL keeps for every user and under a plan for the call's values (Postgres)",
  // PGlite plans each statement for its values: the kept plan is the pool's prepared statements
  ignore: !TEST_DATABASE_URL,
  async fn() {
    // The sizes at which each page's generic plan went wrong
    for (const users of [2_000, 10_000]) await pagesReadOnePage(users);
  },
});

async function pagesReadOnePage(users: number): Promise<void> {
  const { database, heavy } = await skewedDatabase(users);
  try {
    const now = new Date();
    const pages = [
      {
        name: "sessions, first page",
        limit: SESSIONS_PAGE,
        page: (db: Kysely<DB>) => listActiveSessions(db, heavy.userId, now, { limit: SESSIONS_PAGE }),
      },
      {
        name: "sessions, deep page",
        limit: SESSIONS_PAGE,
        page: (db: Kysely<DB>) =>
          listActiveSessions(db, heavy.userId, now, { limit: SESSIONS_PAGE, before: heavy.sessionCursor }),
      },
      {
        name: "events, first page",
        limit: EVENTS_PAGE,
        page: (db: Kysely<DB>) => listSecurityEvents(db, heavy.userId, { limit: EVENTS_PAGE }),
      },
      {
        name: "events, deep page",
        limit: EVENTS_PAGE,
        page: (db: Kysely<DB>) =>
          listSecurityEvents(db, heavy.userId, { limit: EVENTS_PAGE, before: heavy.eventCursor }),
      },
    ];
    for (const { name, limit, page } of pages) {
      for (const mode of ["force_generic_plan", "force_custom_plan"]) {
        const read = await indexRowsRead(database.url!, mode, page);
        assert(read <= limit, `${users} users, ${name}, ${mode}: ${read} index rows read for a page of ${limit}`);
      }
    }
  } finally {
    await database.close();
  }
}
