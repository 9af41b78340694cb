import { sql } from "kysely";
import postgres from "postgres";
import { assertEquals } from "../helpers/assert.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { migrateReset, migrateToLatest } from "../../src/db/migrate.ts";
import { TEST_DATABASE_URL } from "../helpers/env.ts";
import { until } from "../helpers/until.ts";
import { migrationProvider } from "../../src/db/migrations/index.ts";
import * as refreshHashNotUnique from "../../src/db/migrations/2026_11_29_0013_refresh_hash_not_unique.ts";

async function tableNames(db: Parameters<typeof migrateToLatest>[0], schema: string): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = ${schema} and table_name not in ('schema_migrations', 'kysely_migration_lock')
    order by table_name`.execute(db);
  return result.rows.map((row) => row.table_name);
}

Deno.test(`migrations go up, all the way down and up again (${TEST_DATABASE_URL ? "Postgres" : "PGlite"})`, async () => {
  const database = await createTestDatabase({ migrate: false });
  const schema = database.schema ?? "public";
  try {
    const up = await migrateToLatest(database.db);
    assertEquals(up.every((line) => line.endsWith("Success")), true);
    const tables = await tableNames(database.db, schema);
    assertEquals(tables.includes("users") && tables.includes("refresh_tokens") && tables.includes("mail_outbox"), true);

    await migrateReset(database.db);
    assertEquals(await tableNames(database.db, schema), []);

    await migrateToLatest(database.db);
    assertEquals(await tableNames(database.db, schema), tables);
    assertEquals(await migrateToLatest(database.db), [], "nothing left to apply");
  } finally {
    await database.close();
  }
});

Deno.test({
  name: "migrations run while other schemas of the same database are created and dropped (Postgres)",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const database = await createTestDatabase({ migrate: false });
    // Another service (or test run) churning its own schema next to ours
    const neighbour = postgres(TEST_DATABASE_URL!, { max: 3, onnotice: () => {} });
    let churning = true;
    const churn = async (worker: number) => {
      while (churning) {
        const name = `churn_${worker}_${crypto.randomUUID().slice(0, 8)}`;
        await neighbour.unsafe(`create schema ${name}; create table ${name}.users (id serial primary key, email text)`);
        await neighbour.unsafe(`drop schema ${name} cascade`);
      }
    };
    const churners = [0, 1, 2].map(churn);
    try {
      for (let cycle = 0; cycle < 8; cycle++) {
        await migrateToLatest(database.db);
        await migrateReset(database.db);
      }
      assertEquals((await migrateToLatest(database.db)).length > 0, true);
    } finally {
      churning = false;
      await Promise.all(churners);
      await neighbour.end();
      await database.close();
    }
  },
});

Deno.test({
  name: "six schemas of one database migrate at once without a deadlock (Postgres)",
  // A waiter inside a statement holds a snapshot that the lock holder's CREATE INDEX CONCURRENTLY
  // waits for; before the migration lock was polled, this deadlocked every time
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const databases = await Promise.all(Array.from({ length: 6 }, () => createTestDatabase()));
    try {
      for (const { db } of databases) {
        const { rows } = await sql<{ count: number }>`select count(*)::int as count from schema_migrations`.execute(db);
        assertEquals(rows[0].count, Object.keys(await migrationProvider.getMigrations()).length);
      }
    } finally {
      await Promise.all(databases.map((database) => database.close()));
    }
  },
});

Deno.test({
  name:
    "0013 waits for a transaction that holds refresh_tokens by trying again, never queueing writes behind it (Postgres)",
  ignore: !TEST_DATABASE_URL,
  async fn() {
    const database = await createTestDatabase();
    const holder = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      const { db } = database;
      await refreshHashNotUnique.down(db);
      const constraints = async () =>
        (await sql<{ n: number }>`
          select count(*)::int as n from pg_constraint
          where conname = 'refresh_tokens_token_hash_key' and connamespace = current_schema()::regnamespace`
          .execute(db)).rows[0].n;
      assertEquals(await constraints(), 1);
      // A long transaction that has read refresh_tokens: the DROP CONSTRAINT cannot get its lock until it ends
      let release!: () => void;
      const released = new Promise<void>((resolve) => release = resolve);
      let hasRead!: () => void;
      const read = new Promise<void>((resolve) => hasRead = resolve);
      const holding = holder.begin(async (trx) => {
        await trx`select count(*) from refresh_tokens`;
        hasRead();
        await released;
      });
      await read;
      const migrating = refreshHashNotUnique.up(db);
      // Meanwhile a write to the table goes through while the transaction still holds it: a DROP waiting in the
      // lock queue without a timeout would hold it back until the transaction ended, which here is never
      const writer = postgres(database.url!, { max: 1, onnotice: () => {} });
      try {
        await until(async () =>
          (await writer`
            select 1 from pg_locks
            where relation = 'refresh_tokens'::regclass and mode = 'AccessExclusiveLock' and not granted`)
            .length > 0, { what: "the DROP waiting in the lock queue" });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const outcome = await Promise.race([
          writer`update refresh_tokens set consumed_at = consumed_at where false`.then(() => "written"),
          new Promise<string>((resolve) => timer = setTimeout(() => resolve("queued behind the migration"), 10_000)),
        ]);
        clearTimeout(timer);
        assertEquals(outcome, "written");
      } finally {
        await writer.end({ timeout: 0 });
      }
      assertEquals(await constraints(), 1, "not dropped while the transaction holds the table");
      release();
      await holding;
      await migrating;
      assertEquals(await constraints(), 0);
    } finally {
      await holder.end();
      await database.close();
    }
  },
});
