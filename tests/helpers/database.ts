import { sql } from "kysely";
import postgres from "postgres";
import { createDatabase, type Database } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { TEST_DATABASE_URL } from "./env.ts";
import { createMigratedPglite } from "./migrated-pglite.ts";

export interface TestDatabase extends Database {
  /** The schema the test owns on real Postgres (undefined on PGlite) */
  schema?: string;
  /** postgres:// URL with the schema selected, for child processes (undefined on PGlite) */
  url?: string;
}

/**
 * A migrated, private database: on real Postgres a fresh schema dropped on close (so test
 * modules can run in parallel), otherwise an in-memory PGlite.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (!TEST_DATABASE_URL) return migrate ? await createMigratedPglite() : await createDatabase({});
  const schema = `t_${Math.floor(Date.now() / 1000)}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await dropStaleSchemas(admin);
    await admin.unsafe(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  if (migrate) {
    // As `deno task migrate` does: without the statement deadline, which a loaded machine could miss
    const migrator = await createDatabase({ url: TEST_DATABASE_URL, searchPath: schema, statementTimeoutMs: 0 });
    try {
      await migrateToLatest(migrator.db);
    } finally {
      await migrator.close();
    }
  }
  const database = await createDatabase({ url: TEST_DATABASE_URL, searchPath: schema, poolSize: 10 });
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    ...database,
    schema,
    url: url.toString(),
    async close() {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(database.db).catch(() => {});
      await database.close();
    },
  };
}

const STALE_AFTER_SECONDS = 3600;

/** Drops schemas left by test runs that were killed before cleaning up. */
async function dropStaleSchemas(admin: postgres.Sql): Promise<void> {
  const rows = await admin<{ nspname: string }[]>`select nspname from pg_namespace where nspname ~ '^t_[0-9]+_'`;
  const cutoff = Date.now() / 1000 - STALE_AFTER_SECONDS;
  for (const { nspname } of rows) {
    if (Number(nspname.split("_")[1]) < cutoff) {
      await admin.unsafe(`drop schema if exists ${nspname} cascade`).catch(() => {});
    }
  }
}
