import { type Kysely, sql } from "kysely";
import { type MigrationResultSet, Migrator, NO_MIGRATIONS } from "kysely/migration";
import { migrationProvider } from "./migrations/index.ts";

/**
 * The migrator works in the connection's current schema. Naming it matters: without a
 * schema, Kysely looks for its bookkeeping tables in every schema and can mistake another
 * schema's for its own.
 */
// deno-lint-ignore no-explicit-any -- the migrator works on any schema
async function migratorFor(db: Kysely<any>): Promise<Migrator> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: "schema_migrations",
    migrationTableSchema: rows[0].schema,
  });
}

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) throw result.error;
  return (result.results ?? []).map((r) => `${r.direction} ${r.migrationName}: ${r.status}`);
}

/** Applies every pending migration; returns one line per migration run. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return unwrap(await (await migratorFor(db)).migrateToLatest());
}

/** Reverts the most recent migration. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export async function migrateDown(db: Kysely<any>): Promise<string[]> {
  return unwrap(await (await migratorFor(db)).migrateDown());
}

/** Reverts every migration. */
// deno-lint-ignore no-explicit-any -- see migratorFor
export async function migrateReset(db: Kysely<any>): Promise<string[]> {
  return unwrap(await (await migratorFor(db)).migrateTo(NO_MIGRATIONS));
}
